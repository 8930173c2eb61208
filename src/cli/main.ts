// The CLI's front end (`aio-image`): command line -> Spec -> the pipeline's
// steps -> a report on stdout and an exit code. Progress goes to stderr.
// Unlike the action it has no post step: it removes the containers and
// volumes of its run itself, also when interrupted.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { helpText, parseCommandLine, UsageError, type CliArgs } from './args.js'
import { Docker } from '../engine/docker.js'
import { EngineUnavailableError } from '../engine/errors.js'
import { InitError, writeStarterSpec } from './init.js'
import { InputError, loadSpecs } from '../spec/inputs.js'
import { ACTION_ROOT } from '../paths.js'
import {
  build,
  removeRunResources,
  render,
  runPipeline,
  type PipelineOptions
} from '../pipeline.js'
import { summaryText } from '../report/text.js'
import { verdict } from '../report/verdict.js'
import { SpecError } from '../spec/types.js'
import { styleFor, TerminalUi } from './terminal.js'

export interface CliIo {
  stdout: NodeJS.WriteStream
  stderr: NodeJS.WriteStream
  env: NodeJS.ProcessEnv
  cwd: string
}

export const EXIT = { passed: 0, failed: 1, badInput: 2 } as const

const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 }

/** Errors that mean the run never started: bad input or a missing engine. */
const BAD_INPUT = [UsageError, SpecError, InputError, InitError, EngineUnavailableError]

function version(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(ACTION_ROOT, 'package.json'), 'utf8')) as {
    version: string
  }
  return pkg.version
}

function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

function init(args: CliArgs, io: CliIo): number {
  const file = path.resolve(io.cwd, args.inputs.config || 'aio.yml')
  const { project, dockerignore } = writeStarterSpec(file, {
    force: args.force,
    debianPackages: args.debianPackages
  })
  if (args.json) {
    printJson(io, { file, dockerignore, ...project })
  } else {
    const shown = (written: string) => path.relative(io.cwd, written) || written
    const found = project.found.length > 0 ? project.found.join(', ') : 'no known project file'
    io.stdout.write(
      `wrote ${shown(file)} for ${/^[aeiou]/.test(project.kind) ? 'an' : 'a'} ${project.kind} project (from ${found})\n` +
        (dockerignore.written
          ? `wrote ${shown(dockerignore.file)}: version control, .env files, local dependencies and build outputs stay out of the image\n`
          : `kept ${shown(dockerignore.file)} as it is\n`) +
        project.warnings.map(warning => `warning: ${warning}\n`).join('') +
        'next: read its comments, then run `aio-image run`\n'
    )
  }
  return EXIT.passed
}

/**
 * Passes of removal at most. A pass can fail or miss something: a Ctrl-C
 * reaches the whole process group, the `docker` commands of the pass
 * included, and a step still under way may create a container after the
 * pass listed them.
 */
const CLEANUP_PASSES = 5

/**
 * Removes the run's containers and volumes, pass after pass until one finds
 * nothing left (or CLEANUP_PASSES were made).
 */
async function removeUntilNoneLeft(options: PipelineOptions, ui: TerminalUi): Promise<void> {
  let lastError: unknown
  for (let pass = 1; pass <= CLEANUP_PASSES; pass++) {
    try {
      const removed = await removeRunResources(options.docker, options.runId)
      if (removed.containers.length === 0 && removed.volumes.length === 0) return
      lastError = undefined
    } catch (error) {
      lastError = error
    }
  }
  const reason = lastError instanceof Error ? lastError.message : 'containers or volumes remain'
  ui.warning(`cleanup incomplete after ${CLEANUP_PASSES} passes: ${reason}`)
}

/**
 * Runs `steps` with the run's containers and volumes removed afterwards,
 * and on SIGINT/SIGTERM before exiting, so that nothing outlives the command.
 * Once a signal arrived, later ones are caught too until the removal is
 * done: Node's default action would end the process in the middle of it.
 */
async function withCleanup<T>(
  options: PipelineOptions,
  ui: TerminalUi,
  steps: () => Promise<T>
): Promise<T> {
  let removing: Promise<void> | undefined
  const cleanup = () => (removing ??= removeUntilNoneLeft(options, ui))
  let interrupted: NodeJS.Signals | undefined
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted !== undefined) {
      ui.warning(`${signal}: still removing the containers and volumes of this run`)
      return
    }
    interrupted = signal
    ui.close()
    ui.warning(`${signal}: removing the containers and volumes of this run`)
    void cleanup().finally(() => process.exit(SIGNAL_EXIT[signal] ?? 1))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    return await steps()
  } finally {
    await cleanup()
    // After a signal the handlers stay until its exit: nothing may cut that short.
    if (interrupted === undefined) {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }
}

async function pipelineCommand(args: CliArgs, io: CliIo, ui: TerminalUi): Promise<number> {
  const specs = loadSpecs(name => args.inputs[name] ?? '', io.cwd, path.basename(io.cwd))
  // One image per run on a terminal; variants are picked one at a time.
  if (specs.length > 1) {
    throw new SpecError([
      `the spec file has ${specs.length} variants (${specs.map(s => s.variant).join(', ')}): select one with --variant`
    ])
  }
  const [spec] = specs
  const options: PipelineOptions = {
    spec,
    docker: new Docker(),
    ui,
    env: io.env,
    workDir: path.resolve(io.cwd, args.out),
    runId: crypto.randomBytes(6).toString('hex')
  }
  if (args.command === 'render') {
    const renderedDir = (await render(options)).dir
    if (args.json) printJson(io, { renderedDir })
    else io.stdout.write(`${renderedDir}\n`)
    return EXIT.passed
  }

  const engine = await options.docker.engineVersions()
  // The id labels this run's containers and volumes (aio-image.run=<id>).
  ui.info(`run ${options.runId} on Docker engine ${engine.engine}, buildx ${engine.buildx}`)
  if (args.command === 'build') {
    const built = await withCleanup(options, ui, async () => build(options, await render(options)))
    const result = { imageId: built.imageId, tags: spec.tags, buildSeconds: built.seconds }
    if (args.json) printJson(io, result)
    else
      io.stdout.write(`${built.imageId} ${spec.tags.join(' ')} (${built.seconds.toFixed(1)} s)\n`)
    return EXIT.passed
  }

  // verify never pushes; run does what the spec says, as the action does.
  const pipeline =
    args.command === 'verify' ? { ...options, spec: { ...spec, push: false } } : options
  const result = await withCleanup(options, ui, () => runPipeline(pipeline))
  const { failures, warnings } = verdict(result.report, spec.failOnBudget)
  if (args.json) {
    printJson(io, result.report)
  } else {
    const width = io.stdout.columns || 120
    io.stdout.write(`\n${summaryText(result.report, styleFor(io.stdout, io.env), width)}`)
    io.stdout.write(`report: ${result.reportPath}\nrendered: ${result.renderedDir}\n`)
  }
  for (const warning of warnings) ui.warning(warning)
  for (const failure of failures) io.stderr.write(`${ui.style.bad('✖')} ${failure}\n`)
  return failures.length > 0 ? EXIT.failed : EXIT.passed
}

/** Runs one command line; resolves with the exit code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let args
  try {
    args = parseCommandLine(argv)
  } catch (error) {
    io.stderr.write(`aio-image: ${(error as Error).message}\nRun \`aio-image --help\` for usage.\n`)
    return EXIT.badInput
  }
  if ('help' in args) {
    io.stdout.write(helpText())
    return EXIT.passed
  }
  if ('version' in args) {
    io.stdout.write(`${version()}\n`)
    return EXIT.passed
  }
  const ui = new TerminalUi({ stream: io.stderr, verbose: args.verbose, env: io.env })
  try {
    return args.command === 'init' ? init(args, io) : await pipelineCommand(args, io, ui)
  } catch (error) {
    ui.close()
    const message = error instanceof Error ? error.message : String(error)
    io.stderr.write(`${ui.style.bad('error')}: ${message}\n`)
    return BAD_INPUT.some(kind => error instanceof kind) ? EXIT.badInput : EXIT.failed
  }
}
