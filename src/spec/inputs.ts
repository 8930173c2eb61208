// Every action input (and CLI flag) that is also a spec field, how its text
// becomes the JSON value the schema validates, and the spec they make with
// the spec file. Inputs arrive as strings; the spec file's YAML already has
// types. Converting first lets one schema judge both.
import { Util } from '@docker/actions-toolkit/lib/util.js'
import { findSpecFile, readSpecFile, resolveSpecs } from './load.js'
import { type Spec } from './types.js'

export type InputKind =
  'string' | 'integer' | 'boolean' | 'list' | 'lines' | 'verbatim-lines' | 'env' | 'version'

export interface SpecInput {
  name: string
  kind: InputKind
}

export const SPEC_INPUTS: readonly SpecInput[] = [
  { name: 'name', kind: 'string' },
  { name: 'context', kind: 'string' },
  { name: 'base-image', kind: 'string' },
  { name: 'app-command', kind: 'string' },
  { name: 'app-env', kind: 'env' },
  { name: 'migrate-command', kind: 'string' },
  { name: 'app-port', kind: 'integer' },
  { name: 'app-packages', kind: 'list' },
  { name: 'app-runtime', kind: 'string' },
  { name: 'app-package-manager', kind: 'string' },
  { name: 'app-build-packages', kind: 'list' },
  { name: 'health-path', kind: 'string' },
  { name: 'postgres-version', kind: 'version' },
  { name: 'postgres-extensions', kind: 'list' },
  { name: 'postgres-upgrade-from', kind: 'list' },
  { name: 'postgres-database', kind: 'string' },
  { name: 'postgres-role', kind: 'string' },
  { name: 'postgres-role-attributes', kind: 'list' },
  { name: 'postgres-settings', kind: 'env' },
  { name: 'init-sql', kind: 'list' },
  { name: 'postgres-icu', kind: 'string' },
  { name: 'supervisor', kind: 'string' },
  { name: 'build-ca-certificates', kind: 'string' },
  { name: 'tags', kind: 'list' },
  { name: 'push', kind: 'boolean' },
  { name: 'platforms', kind: 'list' },
  { name: 'cache', kind: 'string' },
  { name: 'cache-ref', kind: 'string' },
  { name: 'cache-from', kind: 'lines' },
  { name: 'cache-to', kind: 'lines' },
  { name: 'build-args', kind: 'env' },
  // docker/build-push-action's inputs of the same names and forms; provenance and
  // sbom stay text (true, false or attributes), which build/ reads as it does.
  { name: 'labels', kind: 'env' },
  { name: 'annotations', kind: 'lines' },
  { name: 'provenance', kind: 'string' },
  { name: 'sbom', kind: 'string' },
  { name: 'no-cache', kind: 'boolean' },
  { name: 'pull', kind: 'boolean' },
  { name: 'add-hosts', kind: 'list' },
  // A secret's value may begin or end with spaces, and build-push-action keeps them.
  { name: 'secrets', kind: 'verbatim-lines' },
  { name: 'secret-files', kind: 'lines' },
  { name: 'secret-envs', kind: 'list' },
  { name: 'ssh', kind: 'list' },
  { name: 'network', kind: 'string' },
  { name: 'verify', kind: 'boolean' },
  { name: 'verify-hardened', kind: 'boolean' },
  { name: 'upgrade-from', kind: 'string' },
  { name: 'run-env', kind: 'env' },
  { name: 'max-image-size', kind: 'string' },
  { name: 'max-startup-time', kind: 'string' },
  { name: 'max-idle-memory', kind: 'string' },
  { name: 'max-upgrade-time', kind: 'string' },
  { name: 'idle-settle', kind: 'string' },
  { name: 'fail-on-budget', kind: 'boolean' }
]

export class InputError extends Error {}

// The YAML 1.2 core schema booleans, as core.getBooleanInput accepts them.
const TRUE = ['true', 'True', 'TRUE']
const FALSE = ['false', 'False', 'FALSE']

/** The JSON value of one input's text; throws InputError naming the input. */
export function convertInput(input: SpecInput, text: string): unknown {
  const fail = (allowed: string): never => {
    throw new InputError(
      `input \`${input.name}\`: ${JSON.stringify(text)} is not allowed; expected ${allowed}`
    )
  }
  switch (input.kind) {
    case 'string':
      return text
    case 'integer':
      return /^\d+$/.test(text) ? Number(text) : fail('an integer')
    case 'version':
      return /^\d+$/.test(text) ? Number(text) : text
    case 'boolean':
      if (TRUE.includes(text)) return true
      if (FALSE.includes(text)) return false
      return fail('true or false')
    case 'list':
      return Util.getList(text)
    case 'lines':
    case 'env':
      // Values may hold commas (KEY=a,b; type=registry,ref=...): only newlines separate entries.
      return Util.getList(text, { ignoreComma: true })
    case 'verbatim-lines':
      return Util.getList(text, { ignoreComma: true, trimWhitespace: false })
  }
}

/** How an input is read: with its surrounding whitespace kept, for verbatim-lines. */
export interface ReadOptions {
  trimWhitespace: boolean
}

/**
 * The spec fields set by inputs, as JSON values. `readInput` returns '' for
 * an input that was not given (the way core.getInput does, whose options
 * these are), and such inputs leave the spec file's value alone.
 */
export function readSpecInputs(
  readInput: (name: string, options: ReadOptions) => string
): Record<string, unknown> {
  const values: Record<string, unknown> = {}
  for (const input of SPEC_INPUTS) {
    const text = readInput(input.name, { trimWhitespace: input.kind !== 'verbatim-lines' })
    if (text !== '') values[input.name] = convertInput(input, text)
  }
  return values
}

/**
 * The specs from inputs (action inputs or CLI flags, read by name; '' when
 * not given) and the spec file they name with `config`, else aio.yml in
 * `workingDir` when present. Inputs override the file's fields. One spec,
 * or one per variant of the file; `variant` selects one.
 */
export function loadSpecs(
  readInput: (name: string, options?: ReadOptions) => string,
  workingDir: string,
  defaultName: string
): Spec[] {
  const file = findSpecFile(readInput('config'), workingDir)
  return resolveSpecs({
    file: file ? { path: file, fields: readSpecFile(file) } : undefined,
    inputs: readSpecInputs(readInput),
    workingDir,
    defaultName,
    variant: readInput('variant') || undefined
  })
}
