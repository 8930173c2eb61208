// The one pipeline behind every front end (the action, the CLI):
// render -> build -> verify -> judge -> report. Front ends read their inputs
// into a Spec and hand in how to show progress (Ui).
import fs from 'node:fs'
import path from 'node:path'
import { judgeBudgets, judgeRuntime, type Figures } from './budgets.js'
import { buildImage } from './build.js'
import type { DockerEngine } from './docker.js'
import { measureImage, type ImageFigures } from './image.js'
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
}

export interface PipelineResult {
  imageId: string
  figures: Figures
  report: Report
  reportPath: string
  renderedDir: string
}

export async function runPipeline(options: PipelineOptions): Promise<PipelineResult> {
  const { spec, docker, ui, workDir, runId } = options
  const started = performance.now()
  const renderedDir = path.join(workDir, 'rendered')
  await fs.promises.mkdir(workDir, { recursive: true })

  await ui.group('Render', async () => {
    const files = await writeBuildContext(spec, renderedDir)
    ui.info(`${files.length} files in ${renderedDir}; app files from ${spec.context}`)
  })

  const build = await ui.group(`Build ${spec.tags.join(', ')}`, () =>
    buildImage(docker, spec, renderedDir, workDir)
  )

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
  const reportPath = path.join(workDir, 'report.json')
  await fs.promises.writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`)
  return { imageId: build.imageId, figures, report, reportPath, renderedDir }
}
