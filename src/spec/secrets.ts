// docker/build-push-action's build secrets: `secrets` (id=value),
// `secret-files` (id=path) and `secret-envs` (id=ENVNAME), what is wrong with
// them and the BuildSecrets they make. The dependency install steps see each
// secret as the environment variable its id names. No message here shows a
// `secrets` entry: it may be the secret itself.
import { ENV_NAME, type BuildSecret, type RawSpec } from './types.js'

const SECRET_INPUTS = [
  { field: 'secrets', kind: 'value', form: 'id=value' },
  { field: 'secret-files', kind: 'file', form: 'id=path' },
  { field: 'secret-envs', kind: 'env', form: 'id=ENVNAME' }
] as const

const ENV_NAME_ALLOWED =
  "an environment variable name (letters, digits and '_', not starting with a digit)"

/** An entry split at its first '=', as the toolkit's Build.parseSecretKvp splits it. */
function splitEntry(entry: string): { id: string; value: string } {
  const at = entry.indexOf('=')
  return at === -1
    ? { id: '', value: entry }
    : { id: entry.slice(0, at), value: entry.slice(at + 1) }
}

/**
 * `fields` of a spec file without `secrets`, adding to `problems` when it had
 * them: the file is committed, and a secret's value in it would be in the
 * repository's history. Left out, no later message can show them.
 */
export function withoutCommittedSecrets(
  fields: RawSpec,
  described: string,
  problems: Set<string>
): RawSpec {
  if (!('secrets' in fields)) return fields
  problems.add(
    `${described}: secret values are not allowed in a spec file, which is committed; use \`secret-envs\` (id=ENVNAME, the value from the step's environment) or \`secret-files\` (id=path) there, and \`secrets\` only as an action input or CLI flag`
  )
  const rest = { ...fields }
  delete rest.secrets
  return rest
}

/** Everything wrong with the spec's build secrets: their forms, their ids, and an id given twice. */
export function secretProblems(raw: RawSpec, describe: (field: string) => string): string[] {
  const problems: string[] = []
  const firstGivenBy = new Map<string, string>()
  for (const { field, form } of SECRET_INPUTS) {
    const entries = raw[field]
    // The schema reports anything but a list of strings.
    if (!Array.isArray(entries)) continue
    for (const [index, entry] of (entries as unknown[]).entries()) {
      if (typeof entry !== 'string') continue
      const { id, value } = splitEntry(entry)
      const given = describe(field)
      if (id === '') {
        const shown =
          field === 'secrets' ? '(not shown: it may be the secret)' : JSON.stringify(entry)
        problems.push(
          `${given}: ${field}[${index}] ${shown} is not ${form}; expected ${form}, the id ${ENV_NAME_ALLOWED}`
        )
        continue
      }
      const first = firstGivenBy.get(id)
      if (!ENV_NAME.test(id))
        problems.push(
          `${given}: the secret id ${JSON.stringify(id)} is not allowed; expected ${ENV_NAME_ALLOWED}, the variable the dependency install steps see the secret as`
        )
      else if (first !== undefined)
        problems.push(
          `${given}: the secret id ${id} is given twice (first by ${first}); expected each id once across secrets, secret-files and secret-envs`
        )
      else firstGivenBy.set(id, given)
      if (value === '') problems.push(`${given}: the secret ${id} has no value; expected ${form}`)
      else if (field === 'secret-envs' && !ENV_NAME.test(value))
        problems.push(
          `${given}: the secret ${id} names the variable ${JSON.stringify(value)}, which is not allowed; expected ${ENV_NAME_ALLOWED}`
        )
    }
  }
  return problems
}

/**
 * The spec's build secrets, in the order `secrets`, `secret-files`,
 * `secret-envs`; `secretFile` resolves a secret file's path.
 */
export function buildSecrets(
  raw: RawSpec,
  secretFile: (path: string, id: string) => string
): BuildSecret[] {
  return SECRET_INPUTS.flatMap(({ field, kind }) =>
    ((raw[field] as string[] | undefined) ?? []).map(entry => {
      const { id, value } = splitEntry(entry)
      return { id, source: { kind, value: kind === 'file' ? secretFile(value, id) : value } }
    })
  )
}
