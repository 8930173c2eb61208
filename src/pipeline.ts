// The one pipeline behind every front end (the action, the CLI), as steps
// that compose, each a stage folder under src/:
//   spec/ (the Spec, from the front end) -> render/ -> build/ -> measure/
//   -> report/ (the record) -> judge/ -> baseline/ -> publish/
// runPipeline runs them all; the CLI's render and build commands stop early.
// Front ends hand in the Spec, how to show progress (Ui), the environment
// and, in the action, the GitHub Actions cache store.
import fs from 'node:fs'
import path from 'node:path'
import { compareWithBaseline, type BaselineInput } from './baseline/baseline.js'
import {
  buildImage,
  buildPlatforms,
  imageLabels,
  installedBuildx,
  provenanceBuilderId,
  registryOnlyPlan,
  type BuildResult,
  type BuildSettings
} from './build/build.js'
import type { Builder } from './build/builder.js'
import { planCache, type CachePlan } from './build/cache-plan.js'
import {
  localCacheDir,
  restoreLocalCache,
  rotateLocalCache,
  type LocalCacheState
} from './build/local-cache.js'
import {
  builderPlatforms,
  nativePlatform,
  needsPlatformBuild,
  unlistedPlatformsWarning
} from './build/platforms.js'
import type { CacheStore } from './engine/cache-store.js'
import type { DockerEngine } from './engine/docker.js'
import { judgeReport } from './judge/judge.js'
import { RUN_LABEL, Verifier, type VerifyResult } from './measure/boot.js'
import { layerSizesFile, measureImage, type ImageFigures } from './measure/image.js'
import { publish } from './publish/publish.js'
import type { BuildMetadata } from '@docker/actions-toolkit/lib/types/buildx/build.js'
import type { PushResult, Report } from './report/model.js'
import { buildReport } from './report/record.js'
import { writeBuildContext, type RenderedFile } from './render/render.js'
import type { Spec } from './spec/types.js'
import type { Ui } from './ui.js'

export interface PipelineOptions {
  spec: Spec
  docker: DockerEngine
  ui: Ui
  /** The front end's environment (the runner's variables in the action): labels and cache directories. */
  env: NodeJS.ProcessEnv
  /** This run's own directory: rendered/ and report.json. */
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
  /**
   * The platforms of a build of their own after judging, pushed by buildx:
   * a platform list (the engine loads only the native image), or the native
   * platform when what is pushed carries attestations or annotations.
   */
  platformBuild?: string[]
  /** The local build cache to save for the next run, when one was used. */
  localCache?: LocalCacheState
}

export interface PipelineResult {
  imageId: string
  report: Report
  reportPath: string
  renderedDir: string
  localCache?: LocalCacheState
  /** The metadata of the last build: the pushed (or platform) one when there was one. */
  metadata: BuildMetadata
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
  const { spec, docker, ui } = options
  // What the builder can do decides the cache and refuses impossible
  // platform lists, before anything is built.
  const builder = await describeBuilder(docker, options.builder)
  const buildx = await installedBuildx(await docker.buildxVersion())
  const platformList = needsPlatformBuild(spec.platforms, builder)
  const cachePlan = planCache(spec, {
    builder,
    ghaAvailable: options.cacheStore?.available() ?? false,
    buildxSpeaksGha: buildx.features.has('ghaCache'),
    localDir: localCacheDir(spec.name, options.env)
  })
  const settings: BuildSettings = {
    builder: options.builder,
    buildx,
    cache: cachePlan,
    labels: imageLabels(spec, options.env),
    provenanceBuilderId: provenanceBuilderId(options.env)
  }
  const registryOnly = registryOnlyPlan(spec, builder)
  const platformBuild = platformList
    ? spec.platforms
    : registryOnly.pushedByBuildx
      ? [builder.native]
      : undefined

  let localCache: LocalCacheState | undefined
  const built = await ui.group(`Build ${spec.tags.join(', ')}`, async () => {
    ui.info(`build cache: ${cachePlan.message}`)
    for (const warning of cachePlan.warnings) ui.warning(warning)
    if (registryOnly.info) ui.info(registryOnly.info)
    if (registryOnly.warning) ui.warning(registryOnly.warning)
    const platformsWarning = platformList && unlistedPlatformsWarning(spec.platforms, builder)
    if (platformsWarning) ui.warning(platformsWarning)
    localCache = await restoreLocalCache(cachePlan, spec, rendered.files, options.cacheStore)
    const result = await buildImage(docker, spec, rendered.dir, line => ui.detail(line), settings)
    await rotateLocalCache(cachePlan.local)
    return result
  })
  return { ...built, settings, cachePlan, platformBuild, localCache }
}

/** Boots and measures the image (unless verify is false) and measures the image itself. */
async function bootAndMeasure(options: PipelineOptions, built: Built): Promise<Measured> {
  const { spec, docker, ui, runId } = options
  const measure = () => measureImage(docker, built.imageId, layerSizesFile(options.env))
  if (!spec.verify) return { image: await ui.group('Measure image', measure) }
  return ui.group('Boot and measure', async () => {
    let measuring: Promise<ImageFigures> | undefined
    const verified = await new Verifier(docker, spec, {
      image: built.imageId,
      runId,
      // Compressing the layers takes seconds: do it while the container settles.
      whileSettling: async () => {
        measuring = measure()
        await measuring
      },
      progress: message => ui.info(message)
    }).run()
    return { image: await measuring!, verified }
  })
}

/**
 * The report of what was measured, judged, with its cache and baseline.
 * `startedAt` (performance.now() when the pipeline started) gives the
 * pipeline's own overhead: its wall time minus the build and the container waits.
 */
function judge(
  options: PipelineOptions,
  built: Built,
  measured: Measured,
  startedAt: number
): Report {
  const { spec } = options
  const { image, verified } = measured
  const record = buildReport({
    spec,
    imageId: built.imageId,
    buildSeconds: built.seconds,
    image,
    verified,
    overheadSeconds:
      (performance.now() - startedAt - (verified?.waitedMs ?? 0)) / 1000 - built.seconds
  })
  const { used, message, warnings } = built.cachePlan
  const report: Report = { ...judgeReport(record, spec), cache: { used, message, warnings } }
  if (options.baseline) report.baseline = compareWithBaseline(report, options.baseline)
  return report
}

/**
/**
 * Thrown out of the push phase when the push failed, so that the phase ends
 * as failed (✖ on a terminal): publish reports a failure as a result, not
 * as an error, and a phase that returns has succeeded.
 */
class PushFailed extends Error {
  constructor(readonly result: PushResult) {
    super(result.reason)
  }
}

/**
 * Pushes the tags (or builds every platform) when due and the report
 * passed; with the metadata of the platform build when one ran.
 */
async function push(
  options: PipelineOptions,
  rendered: Rendered,
  built: Built,
  report: Report
): Promise<{ push: Report['push']; metadata?: BuildMetadata }> {
  const { spec, docker, ui } = options
  const { platformBuild } = built
  let metadata: BuildMetadata | undefined
  const title = spec.push ? `Push ${spec.tags.join(', ')}` : `Build ${spec.platforms.join(', ')}`
  const phase = async () => {
    const result = await publish({
      docker,
      spec,
      ui,
      report,
      buildPlatforms: platformBuild
        ? async pushing => {
            const platforms = await buildPlatforms(
              docker,
              spec,
              rendered.dir,
              line => ui.detail(line),
              { ...built.settings, platforms: platformBuild, push: pushing }
            )
            await rotateLocalCache(built.cachePlan.local)
            metadata = platforms.metadata
            return platforms.digest
          }
        : undefined
    })
    if (result?.failed) throw new PushFailed(result)
    return result
  }
  try {
    return { push: await ui.group(title, phase), metadata }
  } catch (error) {
    // The failure is the report's to tell (its verdict fails the run), with the rest.
    if (error instanceof PushFailed) return { push: error.result, metadata }
    throw error
  }
}

export async function runPipeline(options: PipelineOptions): Promise<PipelineResult> {
  const startedAt = performance.now()
  const rendered = await render(options)
  const built = await build(options, rendered)
  const measured = await bootAndMeasure(options, built)
  const report = judge(options, built, measured, startedAt)
  let metadata = built.metadata
  if (options.spec.push || built.platformBuild) {
    const pushed = await push(options, rendered, built, report)
    report.push = pushed.push
    metadata = pushed.metadata ?? metadata
  }
  const reportPath = path.join(options.workDir, 'report.json')
  await fs.promises.writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`)
  return {
    imageId: built.imageId,
    report,
    reportPath,
    renderedDir: rendered.dir,
    localCache: built.localCache,
    metadata
  }
}

/**
 * The builder's name, driver and native platform, from `docker buildx
 * inspect`, and for the docker driver the engine's image store. Other
 * drivers are not asked about it: theirs is a BuildKit of their own, and a
 * remote one may run where no engine answers.
 */
async function describeBuilder(
  docker: DockerEngine,
  requested: string | undefined
): Promise<Builder & { native: string; platforms: string[] }> {
  const info = await docker.builderInfo(requested)
  const builder = {
    name: info.name ?? requested ?? 'default',
    driver: info.driver ?? 'docker',
    native: nativePlatform(info.nodes[0]?.platforms),
    platforms: builderPlatforms(info.nodes)
  }
  if (builder.driver !== 'docker') return builder
  const imageStore = (await docker.containerdImageStore()) ? 'containerd' : 'classic'
  return { ...builder, imageStore }
}

/** Removes every container and volume a run created, found by its label. */
export function removeRunResources(
  docker: DockerEngine,
  runId: string
): Promise<{ containers: string[]; volumes: string[] }> {
  return docker.removeLabelled(`${RUN_LABEL}=${runId}`)
}
