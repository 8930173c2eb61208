// The one pipeline behind every front end (the action, the CLI), as steps
// that compose: render -> build -> boot and measure -> judge -> report -> push.
// runPipeline runs them all; the CLI's render and build commands stop early.
// Front ends read their inputs into a Spec and hand in how to show progress (Ui).
import fs from 'node:fs'
import path from 'node:path'
import { compareWithBaseline, type BaselineInput } from './baseline/baseline.js'
import { judgeBudgets, judgeRuntime, type Figures } from './judge/budgets.js'
import { buildImage, buildPlatforms, type BuildResult, type BuildSettings } from './build/build.js'
import {
  localCacheDir,
  planCache,
  restoreLocalCache,
  rotateLocalCache,
  type CachePlan,
  type LocalCacheState
} from './build/cache.js'
import type { DockerEngine } from './engine/docker.js'
import { measureImage, type ImageFigures } from './measure/image.js'
import type { CacheStore } from './engine/cache-store.js'
import { nativePlatform, needsPlatformBuild, publish } from './publish/publish.js'
import { buildReport, type Report } from './report/report.js'
import { writeBuildContext, type RenderedFile } from './render/render.js'
import type { Spec } from './spec/spec.js'
import { RUN_LABEL, Verifier, type VerifyResult } from './measure/boot.js'

export interface Ui {
  /** Runs one phase, its log folded under `title`. */
  group<T>(title: string, phase: () => Promise<T>): Promise<T>
  info(message: string): void
  warning(message: string): void
  /** One line of a tool's own output (build and push logs): shown in the action's group, by the CLI only when asked. */
  detail(line: string): void
}

export interface PipelineOptions {
  spec: Spec
  docker: DockerEngine
  ui: Ui
  /** This run's own directory: rendered/, report.json, image-id. */
  workDir: string
  /** Labels and names every container and volume this run creates. */
  runId: string
  /** The buildx builder; the current one when absent. */
  builder?: string
  /**
   * The GitHub Actions cache (the action's): when available, `auto` picks
   * gha, and a `local` build cache is restored from it. Without it the
   * local directory simply stays on disk.
   */
  cacheStore?: CacheStore
  /** A previous report to compare with, or why there is none. */
  baseline?: BaselineInput
}

export interface Rendered {
  dir: string
  files: RenderedFile[]
}

export interface Built extends BuildResult {
  settings: BuildSettings
  cachePlan: CachePlan
  /** The platform list needs a build of its own (the engine loads only the native image). */
  platformBuild: boolean
  /** The local build cache to save for the next run, when one was used. */
  localCache?: LocalCacheState
}

export interface PipelineResult {
  imageId: string
  figures: Figures
  report: Report
  reportPath: string
  renderedDir: string
  localCache?: LocalCacheState
}

interface Measured {
  image: ImageFigures
  /** Absent with verify: false. */
  verified?: VerifyResult
}

/** Writes the build context into workDir/rendered. */
export async function render(options: PipelineOptions): Promise<Rendered> {
  const { spec, ui, workDir } = options
  const dir = path.join(workDir, 'rendered')
  await fs.promises.mkdir(workDir, { recursive: true })
  const files = await ui.group('Render', async () => {
    // The work dir may sit inside the context (the CLI's .aio/): not app files.
    const rendered = await writeBuildContext(spec, dir, [workDir])
    ui.info(`${rendered.length} files in ${dir}; app files from ${spec.context}`)
    return rendered
  })
  return { dir, files }
}

/** Builds and loads the native image, with the build cache the builder allows. */
export async function build(options: PipelineOptions, rendered: Rendered): Promise<Built> {
  const { spec, docker, ui, workDir } = options
  // What the builder can do decides the cache and refuses impossible
  // platform lists, before anything is built.
  const builder = await describeBuilder(docker, options.builder)
  const platformBuild = needsPlatformBuild(spec.platforms, builder)
  const cachePlan = planCache(spec, {
    builder: builder.name,
    driver: builder.driver,
    ghaAvailable: options.cacheStore?.available() ?? false,
    localDir: localCacheDir(spec.name, process.env)
  })
  const settings: BuildSettings = { builder: options.builder, cache: cachePlan }

  let localCache: LocalCacheState | undefined
  const built = await ui.group(`Build ${spec.tags.join(', ')}`, async () => {
    ui.info(`build cache: ${cachePlan.message}`)
    for (const warning of cachePlan.warnings) ui.warning(warning)
    localCache = await restoreLocalCache(cachePlan, spec, rendered.files, options.cacheStore)
    const result = await buildImage(
      docker,
      spec,
      rendered.dir,
      workDir,
      line => ui.detail(line),
      settings
    )
    await rotateLocalCache(cachePlan.local)
    return result
  })
  return { ...built, settings, cachePlan, platformBuild, localCache }
}

/** Boots and measures the image (unless verify is false) and measures the image itself. */
async function bootAndMeasure(options: PipelineOptions, built: Built): Promise<Measured> {
  const { spec, docker, ui, runId } = options
  if (!spec.verify) {
    return { image: await ui.group('Measure image', () => measureImage(docker, built.imageId)) }
  }
  return ui.group('Boot and measure', async () => {
    let measuring: Promise<ImageFigures> | undefined
    const verified = await new Verifier(docker, spec, {
      image: built.imageId,
      runId,
      // Compressing the layers takes seconds: do it while the container settles.
      whileSettling: async () => {
        measuring = measureImage(docker, built.imageId)
        await measuring
      },
      progress: message => ui.info(message)
    }).run()
    return { image: await measuring!, verified }
  })
}

/**
 * Figures, checks and the report with its cache and baseline. `startedAt`
 * (performance.now() when the pipeline started) gives the pipeline's own
 * overhead: its wall time minus the build and the container waits.
 */
function judge(
  options: PipelineOptions,
  built: Built,
  measured: Measured,
  startedAt: number
): { figures: Figures; report: Report } {
  const { spec } = options
  const { image, verified } = measured
  const figures: Figures = {
    imageSize: image.size,
    compressedSize: image.compressedSize,
    buildSeconds: built.seconds,
    overheadSeconds:
      (performance.now() - startedAt - (verified?.waitedMs ?? 0)) / 1000 - built.seconds,
    startupMs: verified?.startupMs,
    restartMs: verified?.restartMs,
    idleMemoryMax: verified?.idleMemory.max,
    idleMemoryMedian: verified?.idleMemory.median,
    stopSeconds: verified?.stop.seconds,
    cleanDatabaseShutdown: verified?.stop.cleanDatabaseShutdown,
    dataKeptAfterRestart: verified?.runtime.dataKept,
    listeningPorts: verified?.runtime.listeningPorts,
    expectedPorts: verified?.runtime.expectedPorts
  }
  const checks = [...judgeBudgets(figures, spec.budgets), ...judgeRuntime(figures)]
  const report = buildReport({
    spec,
    imageId: built.imageId,
    figures,
    layers: image.layers,
    idleSamples: verified?.idleMemory.samples,
    processes: verified?.processes,
    checks
  })
  const { used, message, warnings } = built.cachePlan
  report.cache = { used, message, warnings }
  if (options.baseline) report.baseline = compareWithBaseline(report, options.baseline)
  return { figures, report }
}

/** Pushes the tags (or builds every platform) when due and the report passed. */
function push(
  options: PipelineOptions,
  rendered: Rendered,
  built: Built,
  report: Report
): Promise<Report['push']> {
  const { spec, docker, ui, workDir } = options
  const title = spec.push ? `Push ${spec.tags.join(', ')}` : `Build ${spec.platforms.join(', ')}`
  return ui.group(title, () =>
    publish({
      docker,
      spec,
      ui,
      report,
      buildPlatforms: built.platformBuild
        ? async pushing => {
            const platforms = await buildPlatforms(
              docker,
              spec,
              rendered.dir,
              workDir,
              line => ui.detail(line),
              { ...built.settings, platforms: spec.platforms, push: pushing }
            )
            await rotateLocalCache(built.cachePlan.local)
            return platforms.digest
          }
        : undefined
    })
  )
}

export async function runPipeline(options: PipelineOptions): Promise<PipelineResult> {
  const startedAt = performance.now()
  const rendered = await render(options)
  const built = await build(options, rendered)
  const measured = await bootAndMeasure(options, built)
  const { figures, report } = judge(options, built, measured, startedAt)
  if (options.spec.push || built.platformBuild)
    report.push = await push(options, rendered, built, report)
  const reportPath = path.join(options.workDir, 'report.json')
  await fs.promises.writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`)
  return {
    imageId: built.imageId,
    figures,
    report,
    reportPath,
    renderedDir: rendered.dir,
    localCache: built.localCache
  }
}

/** The builder's name, driver and native platform, from `docker buildx inspect`. */
async function describeBuilder(docker: DockerEngine, requested: string | undefined) {
  const info = await docker.builderInfo(requested)
  return {
    name: info.name ?? requested ?? 'default',
    driver: info.driver ?? 'docker',
    native: nativePlatform(info.nodes[0]?.platforms)
  }
}

/** Removes every container and volume a run created, found by its label. */
export function removeRunResources(
  docker: DockerEngine,
  runId: string
): Promise<{ containers: string[]; volumes: string[] }> {
  return docker.removeLabelled(`${RUN_LABEL}=${runId}`)
}
