// The one pipeline behind every front end (the action, the CLI), as steps
// that compose: render -> build -> boot and measure -> judge and report.
// runPipeline runs them all; the CLI's render and build commands stop early.
// Front ends read their inputs into a Spec and hand in how to show progress (Ui).
import fs from 'node:fs'
import path from 'node:path'
import { judgeBudgets, judgeRuntime, type Figures } from './budgets.js'
import { buildImage, type BuildResult } from './build.js'
import type { DockerEngine } from './docker.js'
import { measureImage, type ImageFigures } from './image.js'
import { buildReport, type Report } from './report.js'
import { writeBuildContext } from './render.js'
import type { Spec } from './spec.js'
import { RUN_LABEL, Verifier, type VerifyResult } from './verify.js'

export interface Ui {
  /** Runs one phase, its log folded under `title`. */
  group<T>(title: string, phase: () => Promise<T>): Promise<T>
  info(message: string): void
  warning(message: string): void
  /** One line of a tool's own output (the build log): shown in the action's group, by the CLI only when asked. */
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
}

export interface Measured {
  image: ImageFigures
  /** Absent with verify: false. */
  verified?: VerifyResult
}

export interface PipelineResult {
  imageId: string
  figures: Figures
  report: Report
  reportPath: string
  renderedDir: string
}

/** Writes the build context into workDir/rendered; resolves with its path. */
export async function render(options: PipelineOptions): Promise<string> {
  const { spec, ui, workDir } = options
  const renderedDir = path.join(workDir, 'rendered')
  await fs.promises.mkdir(workDir, { recursive: true })
  await ui.group('Render', async () => {
    // The work dir may sit inside the context (the CLI's .aio/): not app files.
    const files = await writeBuildContext(spec, renderedDir, [workDir])
    ui.info(`${files.length} files in ${renderedDir}; app files from ${spec.context}`)
  })
  return renderedDir
}

export function build(options: PipelineOptions, renderedDir: string): Promise<BuildResult> {
  const { spec, docker, ui, workDir } = options
  return ui.group(`Build ${spec.tags.join(', ')}`, () =>
    buildImage(docker, spec, renderedDir, workDir, line => ui.detail(line))
  )
}

/** Boots and measures the image (unless verify is false) and measures the image itself. */
export async function bootAndMeasure(
  options: PipelineOptions,
  built: BuildResult
): Promise<Measured> {
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
 * Judges the figures against budgets and runtime checks; writes
 * workDir/report.json. `startedAt` (performance.now() when the pipeline
 * started) gives the pipeline's own overhead: its wall time minus the build
 * and the container waits.
 */
export async function judgeAndReport(
  options: PipelineOptions,
  built: BuildResult,
  measured: Measured,
  renderedDir: string,
  startedAt: number
): Promise<PipelineResult> {
  const { spec, workDir } = options
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
  const reportPath = path.join(workDir, 'report.json')
  await fs.promises.writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`)
  return { imageId: built.imageId, figures, report, reportPath, renderedDir }
}

export async function runPipeline(options: PipelineOptions): Promise<PipelineResult> {
  const startedAt = performance.now()
  const renderedDir = await render(options)
  const built = await build(options, renderedDir)
  const measured = await bootAndMeasure(options, built)
  return judgeAndReport(options, built, measured, renderedDir, startedAt)
}

/** Removes every container and volume a run created, found by its label. */
export function removeRunResources(
  docker: DockerEngine,
  runId: string
): Promise<{ containers: string[]; volumes: string[] }> {
  return docker.removeLabelled(`${RUN_LABEL}=${runId}`)
}
