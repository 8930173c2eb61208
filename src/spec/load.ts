// The spec file and the inputs -> one Spec, or one per variant: reading
// aio.yml, merging inputs over a variant's fields over the file's, then
// validate and normalise.
import fs from 'node:fs'
import path from 'node:path'
import YAML from 'yaml'
import { normalize, sanitizeName, type FieldOrigins } from './normalize.js'
import { inputBoundary, specFileBoundary } from './paths.js'
import { withoutCommittedSecrets } from './secrets.js'
import { SpecError, type RawSpec, type Spec } from './types.js'
import { fieldProblems, schemaProblems } from './validate.js'

/** The spec file to read: the `config` input, else aio.yml in `dir` if present. */
export function findSpecFile(config: string, dir: string): string | undefined {
  if (config !== '') {
    const file = path.resolve(dir, config)
    if (!fs.existsSync(file)) {
      throw new SpecError([
        `input \`config\`: ${JSON.stringify(config)} does not exist; expected the path of a spec file such as aio.yml`
      ])
    }
    return file
  }
  const fallback = path.join(dir, 'aio.yml')
  return fs.existsSync(fallback) ? fallback : undefined
}

export function readSpecFile(file: string): RawSpec {
  let parsed: unknown
  try {
    parsed = YAML.parse(fs.readFileSync(file, 'utf8'))
  } catch (error) {
    throw new SpecError([`${path.basename(file)}: not valid YAML: ${(error as Error).message}`])
  }
  if (parsed === null || parsed === undefined) return {}
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SpecError([
      `${path.basename(file)}: expected a mapping of fields, found ${Array.isArray(parsed) ? 'a list' : typeof parsed}`
    ])
  }
  return parsed as RawSpec
}

export interface SpecSources {
  /** Fields from the spec file, and the file's path (paths in it are relative to its directory). */
  file?: { path: string; fields: RawSpec }
  /** Fields from action inputs or CLI flags; relative paths are relative to `workingDir`. */
  inputs: RawSpec
  workingDir: string
  /** Name used when neither source sets one: the repository's or directory's name. */
  defaultName: string
  /** With a spec file that has variants: the one to build; every one when absent. */
  variant?: string
}

/**
 * One spec, for front ends and tests that build one image; a spec file with
 * several variants needs `variant` here.
 */
export function resolveSpec(sources: SpecSources): Spec {
  const specs = resolveSpecs(sources)
  if (specs.length !== 1) {
    throw new SpecError([
      `${specFileName(sources)} has ${specs.length} variants (${specs.map(s => s.variant).join(', ')}): select one with \`variant\``
    ])
  }
  return specs[0]
}

/**
 * Merges, validates and normalises: one Spec, or one per variant. Inputs
 * override a variant's fields, which replace the file's. Throws SpecError
 * listing every problem.
 */
export function resolveSpecs(sources: SpecSources): Spec[] {
  const fileName = specFileName(sources)
  const problems = new Set<string>()
  const { variants, ...fileFields } = withoutCommittedSecrets(
    sources.file?.fields ?? {},
    `${fileName} field \`secrets\``,
    problems
  )
  const inputPaths = inputBoundary(sources.workingDir)
  const filePaths = sources.file && specFileBoundary(sources.file.path, sources.workingDir)
  const resolved: Array<{ raw: RawSpec; origins: FieldOrigins; variant?: string }> = []
  for (const [variant, given] of selectVariants(variants, sources.variant, fileName)) {
    const variantFields = withoutCommittedSecrets(
      given,
      `${fileName} variants.${variant} field \`secrets\``,
      problems
    )
    const from = (field: string) =>
      field in sources.inputs ? 'input' : field in variantFields ? 'variant' : 'file'
    const origins: FieldOrigins = {
      describe: field =>
        ({
          input: `input \`${field}\``,
          variant: `${fileName} variants.${variant} field \`${field}\``,
          file: `${fileName} field \`${field}\``
        })[from(field)],
      baseDir: field =>
        from(field) === 'input' || !sources.file
          ? sources.workingDir
          : path.dirname(sources.file.path),
      boundary: field => (from(field) === 'input' || !filePaths ? inputPaths : filePaths)
    }
    const raw: RawSpec = { ...fileFields, ...variantFields, ...sources.inputs }
    const baseName = raw.name ?? sanitizeName(sources.defaultName)
    if (variant !== undefined) {
      // A variant is its own image: named after the spec and the variant unless it says otherwise.
      raw.name = variantFields.name ?? `${String(baseName)}-${variant}`
      if ('variants' in variantFields)
        problems.add(`${fileName} variants.${variant}: variants cannot have variants`)
    }
    for (const problem of fieldProblems(raw, origins.describe, fileName, sources.defaultName))
      problems.add(problem)
    resolved.push({ raw: { ...raw, name: raw.name ?? baseName }, origins, variant })
  }
  if (problems.size > 0) throw new SpecError([...problems])

  const specs = resolved.map(({ raw, origins, variant }) => ({
    ...normalize(raw, origins),
    ...(variant === undefined ? {} : { variant })
  }))
  const taggedBy = new Map<string, string>()
  for (const spec of specs) {
    for (const tag of spec.tags) {
      const other = taggedBy.get(tag)
      if (other !== undefined)
        problems.add(
          `tag ${tag} would name both ${other} and ${spec.name}: give each variant its own \`tags\``
        )
      taggedBy.set(tag, spec.name)
    }
  }
  if (problems.size > 0) throw new SpecError([...problems])
  return specs
}

function specFileName(sources: SpecSources): string {
  return sources.file ? path.basename(sources.file.path) : 'aio.yml'
}

/** The variants to resolve: [undefined, {}] for a spec without variants. */
function selectVariants(
  variants: unknown,
  wanted: string | undefined,
  fileName: string
): Array<[string | undefined, RawSpec]> {
  if (variants === undefined) {
    if (wanted !== undefined)
      throw new SpecError([
        `input \`variant\`: ${JSON.stringify(wanted)} is not allowed; ${fileName} has no variants`
      ])
    return [[undefined, {}]]
  }
  const shape = schemaProblems({ variants }, field => `${fileName} field \`${field}\``, fileName)
  if (shape.length > 0) throw new SpecError(shape)
  const all = Object.entries(variants as Record<string, RawSpec>)
  if (wanted === undefined) return all
  const chosen = all.filter(([name]) => name === wanted)
  if (chosen.length === 0)
    throw new SpecError([
      `input \`variant\`: ${JSON.stringify(wanted)} is not allowed; expected one of the variants in ${fileName}: ${all.map(([name]) => name).join(', ')}`
    ])
  return chosen
}
