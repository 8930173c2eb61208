// The one pipeline behind every front end (the action, the CLI):
// render -> build -> verify -> judge -> report -> push. Front ends read their
// inputs into a Spec and hand in how to show progress (Ui).
import fs from 'node:fs'
import path from 'node:path'
import { compareWithBaseline, type BaselineInput } from './baseline.js'
import { judgeBudgets, judgeRuntime, type Figures } from './budgets.js'
import { buildImage, buildPlatforms, type BuildSettings } from './build.js'
import {
  localCacheDir,
  planCache,
  restoreLocalCache,
  rotateLocalCache,
  type LocalCacheState
} from './cache.js'
import type { DockerEngine } from './docker.js'
import { measureImage, type ImageFigures } from './image.js'
import type { CacheStore } from './persist.js'
import { nativePlatform, needsPlatformBuild, publish } from './publish.js'
import { buildReport, type Report } from './report.js'
import { writeBuildContext } from './render.js'
import type { Spec } from './spec.js'
import { Verifier, type VerifyResult } from './verify.js'

export interface Ui {
  /** Runs one phase, its log folded under `title`. */
  group<T>(title: string, phase: () => Promise<T>): Promise<T>
  info(message: string): void
  warning(message: string): void
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

export interface PipelineResult {
  imageId: string
  figures: Figures
  report: Report
  reportPath: string
  renderedDir: string
  localCache?: LocalCacheState
}

export async function runPipeline(options: PipelineOptions): Promise<PipelineResult> {
  const { spec, docker, ui, workDir, runId } = options
  const started = performance.now()
  const renderedDir = path.join(workDir, 'rendered')
  await fs.promises.mkdir(workDir, { recursive: true })

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

  const files = await ui.group('Render', async () => {
    const rendered = await writeBuildContext(spec, renderedDir)
    ui.info(`${rendered.length} files in ${renderedDir}; app files from ${spec.context}`)
    return rendered
  })

  let localCache: LocalCacheState | undefined
  const build = await ui.group(`Build ${spec.tags.join(', ')}`, async () => {
    ui.info(`build cache: ${cachePlan.message}`)
    for (const warning of cachePlan.warnings) ui.warning(warning)
    localCache = await restoreLocalCache(cachePlan, spec, files, options.cacheStore)
    const built = await buildImage(docker, spec, renderedDir, workDir, settings)
    await rotateLocalCache(cachePlan.local)
    return built
  })

  let image: ImageFigures | undefined
  let verified: VerifyResult | undefined
  if (spec.verify) {
    verified = await ui.group('Boot and measure', async () => {
      let measuring: Promise<ImageFigures> | undefined
      const result = await new Verifier(docker, spec, {
        image: build.imageId,
        runId,
        // Compressing the layers takes seconds: do it while the container settles.
        whileSettling: async () => {
          measuring = measureImage(docker, build.imageId)
          await measuring
        }
      }).run()
      image = await measuring
      return result
    })
  }
  if (!image) image = await ui.group('Measure image', () => measureImage(docker, build.imageId))

  const figures: Figures = {
    imageSize: image.size,
    compressedSize: image.compressedSize,
    buildSeconds: build.seconds,
    overheadSeconds:
      (performance.now() - started - (verified?.waitedMs ?? 0)) / 1000 - build.seconds,
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
    imageId: build.imageId,
    figures,
    layers: image.layers,
    idleSamples: verified?.idleMemory.samples,
    processes: verified?.processes,
    checks
  })
  report.cache = { used: cachePlan.used, message: cachePlan.message, warnings: cachePlan.warnings }
  if (options.baseline) report.baseline = compareWithBaseline(report, options.baseline)

  if (spec.push || platformBuild) {
    const title = spec.push ? `Push ${spec.tags.join(', ')}` : `Build ${spec.platforms.join(', ')}`
    report.push = await ui.group(title, () =>
      publish({
        docker,
        spec,
        ui,
        report,
        buildPlatforms: platformBuild
          ? async push => {
              const built = await buildPlatforms(docker, spec, renderedDir, workDir, {
                ...settings,
                platforms: spec.platforms,
                push
              })
              await rotateLocalCache(cachePlan.local)
              return built.digest
            }
          : undefined
      })
    )
  }
  const reportPath = path.join(workDir, 'report.json')
  await fs.promises.writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`)
  return {
    imageId: build.imageId,
    figures,
    report,
    reportPath,
    renderedDir,
    localCache
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
