// The CLI's command line: its commands, its own flags, and one flag per spec
// input (from SPEC_INPUTS, described by action.yml, else by the schema), read into the same
// text an action input would be, so that one converter and one schema judge
// both front ends. Also the help text.
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import YAML from 'yaml'
import { SPEC_INPUTS, type InputKind } from '../spec/inputs.js'
import { ACTION_ROOT } from '../paths.js'
import { fieldDescription } from '../spec/validate.js'

export const COMMANDS = [
  { name: 'init', summary: 'write a starter aio.yml for the project in this directory' },
  {
    name: 'render',
    summary: 'write the build context (Dockerfile, scripts, configs) to <out>/rendered'
  },
  { name: 'build', summary: 'render, then build the image with docker buildx' },
  {
    name: 'verify',
    summary: 'render, build, boot and measure the image; judge budgets and checks; never push'
  },
  { name: 'run', summary: 'the whole pipeline as the GitHub Action runs it: verify, then push' }
] as const

export type CommandName = (typeof COMMANDS)[number]['name']

export interface CliArgs {
  command: CommandName
  /** Where rendered/ and report.json go. */
  out: string
  json: boolean
  verbose: boolean
  force: boolean
  /** init: take Python dependencies from Debian's python3-* packages instead of pip, uv or Poetry. */
  debianPackages: boolean
  /** `config` and the spec inputs as action input text; '' when not given. */
  inputs: Record<string, string>
}

export type CommandLine = { help: true } | { version: true } | CliArgs

/** A command line that cannot be understood: exit code 2. */
export class UsageError extends Error {}

export const DEFAULT_OUT = '.aio'

const OWN_OPTIONS = {
  config: { type: 'string', short: 'c' },
  variant: { type: 'string' },
  out: { type: 'string', short: 'o' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  force: { type: 'boolean', short: 'f' },
  'debian-packages': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' }
} as const satisfies ParseArgsConfig['options']

const isListKind = (kind: InputKind) =>
  kind === 'list' || kind === 'lines' || kind === 'verbatim-lines' || kind === 'env'

export function parseCommandLine(argv: string[]): CommandLine {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...OWN_OPTIONS,
        // Every spec flag may repeat: list entries add up, for others the last one wins.
        ...Object.fromEntries(
          SPEC_INPUTS.map(input => [input.name, { type: 'string', multiple: true } as const])
        )
      }
    })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const { positionals } = parsed
  const values = parsed.values as Record<string, string | string[] | boolean | undefined>
  if (values.help) return { help: true }
  if (values.version) return { version: true }
  const [command, ...extra] = positionals
  if (command === undefined) throw new UsageError('no command given')
  const known = COMMANDS.find(entry => entry.name === command)
  if (!known) {
    throw new UsageError(
      `unknown command ${JSON.stringify(command)}; expected one of ${COMMANDS.map(c => c.name).join(', ')}`
    )
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`)

  const inputs: Record<string, string> = {
    config: (values.config as string | undefined) ?? '',
    variant: (values.variant as string | undefined) ?? ''
  }
  for (const input of SPEC_INPUTS) {
    const given = values[input.name] as string[] | undefined
    if (!given) continue
    inputs[input.name] = isListKind(input.kind) ? given.join('\n') : given[given.length - 1]
  }
  return {
    command: known.name,
    out: (values.out as string | undefined) ?? DEFAULT_OUT,
    json: values.json === true,
    verbose: values.verbose === true,
    force: values.force === true,
    debianPackages: values['debian-packages'] === true,
    inputs
  }
}

const PLACEHOLDER: Record<InputKind, string> = {
  string: '<text>',
  integer: '<n>',
  version: '<n|none>',
  boolean: '<true|false>',
  list: '<a,b,...>',
  lines: '<line>',
  'verbatim-lines': '<line>',
  env: '<KEY=VALUE>'
}

/** `text` wrapped at `width` columns, continuation lines indented by `indent`. */
export function wrap(text: string, indent: number, width = 80): string {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/)) {
    if (line && indent + line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else {
      line = line ? `${line} ${word}` : word
    }
  }
  lines.push(line)
  return lines.join(`\n${' '.repeat(indent)}`)
}

function table(rows: Array<[string, string]>): string[] {
  const width = Math.max(...rows.map(([left]) => left.length)) + 2
  return rows.map(([left, right]) => `  ${left.padEnd(width)}${wrap(right, width + 2)}`)
}

/** The action's description of each input: the meaning and the default. */
function inputDescriptions(): Record<string, string> {
  const action = YAML.parse(fs.readFileSync(path.join(ACTION_ROOT, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { description: string }>
  }
  return Object.fromEntries(
    Object.entries(action.inputs).map(([name, input]) => [name, input.description])
  )
}

export function helpText(): string {
  const descriptions = inputDescriptions()
  return [
    'aio-image: render, build, boot and measure an all-in-one container image',
    '(app + embedded PostgreSQL + supervisor) against budgets, on your machine',
    'or any CI, with the same engine as the GitHub Action.',
    '',
    'Usage: aio-image <command> [flags]',
    '',
    'Commands:',
    ...table(COMMANDS.map(command => [command.name, command.summary])),
    '',
    'Flags:',
    ...table([
      ['-c, --config <file>', 'the spec file (default: aio.yml here, if present)'],
      ['    --variant <name>', 'the variant of the spec file to build, when it has several'],
      ['-o, --out <dir>', `where rendered/ and report.json go (default: ${DEFAULT_OUT})`],
      ['    --json', 'print the result as JSON on stdout; progress stays on stderr'],
      ['-v, --verbose', 'show the build log as it comes'],
      ['-f, --force', 'init: replace an existing aio.yml'],
      [
        '    --debian-packages',
        "init: Python dependencies from Debian's python3-* packages instead of pip, uv or Poetry; says which pins Debian does not honour"
      ],
      ['-h, --help', 'this help'],
      ['    --version', 'the version of aio-image']
    ]),
    '',
    'Spec flags override the field of the same name in the spec file, as the',
    "action's inputs do. Lists take commas or a repeated flag; <line> and",
    '<KEY=VALUE> lists a repeated flag.',
    ...table(
      SPEC_INPUTS.map(input => [
        `--${input.name} ${PLACEHOLDER[input.kind]}`,
        descriptions[input.name] ?? fieldDescription(input.name) ?? ''
      ])
    ),
    '',
    'Exit codes:',
    ...table([
      ['0', 'passed (every check and budget; or init, render or build succeeded)'],
      ['1', 'the image failed: a check or budget, a build, a boot or a push'],
      ['2', 'bad input (flags, spec file) or environment (e.g. no Docker engine)'],
      ['130, 143', "interrupted (SIGINT, SIGTERM), after removing the run's containers"]
    ]),
    '',
    'Examples:',
    '  aio-image init                      # write aio.yml for this project',
    '  aio-image run                       # build and check it, print the report',
    '  aio-image verify --config examples/notes/aio.yml --max-idle-memory 96MiB',
    '  aio-image build --tags ghcr.io/acme/app:1.2.3 --verbose',
    '  aio-image run --json > report.json  # the JSON report for scripts',
    ''
  ].join('\n')
}
