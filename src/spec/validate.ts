// What is wrong with a raw spec: the JSON schema (schema/aio.schema.json,
// which also gives editors completion) and the rules a schema cannot say,
// each problem as one line naming the field and what is allowed.
import fs from 'node:fs'
import { Ajv, type ErrorObject } from 'ajv'
import { SCHEMA_FILE } from '../paths.js'
import { DEFAULTS } from './defaults.js'
import { envRecord, lowerCaseRepository, sanitizeName, sqlIdentifier } from './normalize.js'
import { secretProblems } from './secrets.js'
import { SUPPORTED_BASES, type RawSpec } from './types.js'

// Names that say "secret": such values must never become build arguments.
const SECRET_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|CREDENTIAL/i

interface SchemaProperty {
  description?: string
}

const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')) as {
  properties: Record<string, SchemaProperty>
}
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true })
const validateSchema = ajv.compile(schema)

// The database and role derived from `name` when the spec does not give
// them: checked by the same schema as written-out ones, since
// `name: postgres` would otherwise make the app's role the superuser.
const DERIVED_FROM_NAME = (['postgres-role', 'postgres-database'] as const).map(field => ({
  field,
  what: field === 'postgres-role' ? 'role' : 'database',
  valid: ajv.compile(schema.properties[field])
}))
const validName = ajv.compile<string>(schema.properties.name)

/** What the schema allows in a field (its `description`), e.g. for help texts. */
export function fieldDescription(field: string): string | undefined {
  return schema.properties[field]?.description
}

/** Everything wrong with one merged spec, before anything is normalised. */
export function fieldProblems(
  raw: RawSpec,
  describe: (field: string) => string,
  fileName: string,
  defaultName: string
): string[] {
  const problems = schemaProblems(raw, describe, fileName)
  if (typeof raw['app-command'] !== 'string') {
    problems.push(
      `input \`app-command\` is required (or \`app-command\` in ${fileName}): one line of shell that starts the app`
    )
  }
  if ((raw.name ?? sanitizeName(defaultName)) === '') {
    problems.push(
      `input \`name\` is required here: no usable default from ${JSON.stringify(defaultName)}`
    )
  }
  // Both end up in the image for anyone who pulls it: never secrets.
  const runTime = '(POSTGRES_PASSWORD, POSTGRES_PASSWORD_FILE or run-time environment)'
  const bakedIn: Array<[string, string, string]> = [
    [
      'build-args',
      "build arguments are recorded in the image's history",
      `pass a credential the build needs as a build secret instead (\`secret-envs\`, \`secret-files\` or \`secrets\`: only the dependency install steps see it), and one the app needs at run time ${runTime}`
    ],
    [
      'app-env',
      "app-env is written into the image's configuration",
      `pass secrets to the container at run time instead ${runTime}`
    ]
  ]
  for (const [field, where, instead] of bakedIn) {
    for (const key of Object.keys(envRecord(raw[field]))) {
      if (SECRET_NAME.test(key))
        problems.push(`${describe(field)}: ${key} looks like a secret, and ${where}; ${instead}`)
    }
  }
  problems.push(...secretProblems(raw, describe))
  if (raw.verify === false) {
    for (const field of BOOT_FIELDS) {
      if (raw[field] !== undefined)
        problems.push(`${describe(field)}: needs the image booted, but verify is false`)
    }
  }
  problems.push(...upgradeProblems(raw, describe, defaultName))
  if (
    raw['app-build-packages'] !== undefined &&
    raw['app-runtime'] === undefined &&
    raw['app-package-manager'] === undefined
  ) {
    problems.push(
      `${describe('app-build-packages')}: installs into the dependency install's stage, and there is none: set \`app-runtime\` too`
    )
  }
  if (raw.cache === 'registry' && raw['cache-ref'] === undefined) {
    problems.push(
      `${describe('cache')}: registry needs \`cache-ref\`, the image reference that holds the cache`
    )
  }
  const stageNames = ((raw['build-stages'] as Array<{ name?: string }> | undefined) ?? []).map(
    stage => stage?.name
  )
  for (const [index, stageName] of stageNames.entries()) {
    if (stageNames.indexOf(stageName) !== index)
      problems.push(
        `${describe('build-stages')}: two stages are named ${JSON.stringify(stageName)}`
      )
  }
  problems.push(...baseImageProblems(raw, describe))
  if (raw['postgres-version'] === 'none') {
    for (const field of POSTGRES_FIELDS) {
      if (raw[field] !== undefined)
        problems.push(
          `${describe(field)}: needs the embedded database, but postgres-version is none`
        )
    }
  } else {
    problems.push(...derivedNameProblems(raw, describe, defaultName))
    problems.push(...upgradeMajorProblems(raw, describe))
  }
  return problems
}

/** pg_upgrade only moves a data directory to a later major. */
function upgradeMajorProblems(raw: RawSpec, describe: (field: string) => string): string[] {
  const majors = raw['postgres-upgrade-from']
  const version = Number(raw['postgres-version'] ?? DEFAULTS['postgres-version'])
  // A list or a version the schema refused has its own problem already.
  if (!Array.isArray(majors) || !Number.isInteger(version)) return []
  return majors
    .filter(major => Number(major) >= version)
    .map(
      major =>
        `${describe('postgres-upgrade-from')}: ${String(major)} is not below postgres-version ${version}; list only the older majors whose data this image upgrades`
    )
}

/**
 * The upgrade check writes a row into the database of the image it upgrades
 * from and reads it back under this one, and boots what upgrade-from names
 * after the build has tagged this image.
 */
function upgradeProblems(
  raw: RawSpec,
  describe: (field: string) => string,
  defaultName: string
): string[] {
  const from = raw['upgrade-from']
  if (from === undefined) {
    return raw['max-upgrade-time'] === undefined
      ? []
      : [
          `${describe('max-upgrade-time')}: budgets the upgrade check, which runs only with \`upgrade-from\` set`
        ]
  }
  const problems: string[] = []
  if (raw['postgres-version'] === 'none')
    problems.push(
      `${describe('upgrade-from')}: the upgrade check keeps a row of the embedded database across the upgrade, but postgres-version is none`
    )
  // The tags as normalize defaults them; a tag or name the schema refused has its own problem.
  const tags = Array.isArray(raw.tags)
    ? (raw.tags as unknown[])
    : [`${String(raw.name ?? sanitizeName(defaultName))}:latest`]
  if (
    typeof from === 'string' &&
    tags.some(tag => typeof tag === 'string' && sameReference(tag, from))
  )
    problems.push(
      `${describe('upgrade-from')}: ${JSON.stringify(from)} is one of the tags this run builds, so the build would replace the image to upgrade from; name the released image by another tag or its digest`
    )
  return problems
}

/** Two image references that name the same tag once their repositories are lower-cased and `latest` is implied. */
function sameReference(a: string, b: string): boolean {
  const canonical = (reference: string) => {
    const lowered = lowerCaseRepository(reference)
    return /:[^/]*$/.test(lowered) ? lowered : `${lowered}:latest`
  }
  return canonical(a) === canonical(b)
}

// Fields that are about the booted image, meaningless with verify: false.
const BOOT_FIELDS = ['max-startup-time', 'max-idle-memory', 'upgrade-from', 'max-upgrade-time']

// Image families that are not Debian or Ubuntu, by a word of their name or
// tag (node:22-alpine, gcr.io/distroless/static, cgr.dev/chainguard/wolfi-base):
// without apt-get, dpkg and glibc no image can be built on them. Other names
// are checked by the build itself, against the base's /etc/os-release.
const OTHER_FAMILY =
  /(?:^|[/:._-])(alpine|busybox|scratch|distroless|wolfi|chainguard|amazonlinux|fedora|centos|rockylinux|almalinux|oraclelinux|ubi\d*|opensuse|archlinux|photon)(?=$|[/:._\d-])/

function baseImageProblems(raw: RawSpec, describe: (field: string) => string): string[] {
  const stages = Array.isArray(raw['build-stages']) ? (raw['build-stages'] as unknown[]) : []
  const images: Array<[string, string, unknown]> = [
    ['base-image', '', raw['base-image']],
    ...stages.map((stage, index): [string, string, unknown] => [
      'build-stages',
      `build-stages[${index}].from `,
      (stage as { from?: unknown } | null)?.from
    ])
  ]
  return images.flatMap(([field, where, value]) => {
    const family =
      typeof value === 'string' ? OTHER_FAMILY.exec(value.toLowerCase())?.[1] : undefined
    return family
      ? [
          `${describe(field)}: ${where}${JSON.stringify(value)} names a non-Debian image (${family}), which is not supported; expected ${SUPPORTED_BASES}`
        ]
      : []
  })
}

// Fields that describe the embedded database, meaningless without it.
const POSTGRES_FIELDS = [
  'postgres-extensions',
  'postgres-upgrade-from',
  'postgres-database',
  'postgres-role',
  'postgres-role-attributes',
  'postgres-settings',
  'init-sql'
]

function derivedNameProblems(
  raw: RawSpec,
  describe: (field: string) => string,
  defaultName: string
): string[] {
  const name = raw.name ?? sanitizeName(defaultName)
  // A name the schema refused has its own problem already.
  if (!validName(name)) return []
  const derived = sqlIdentifier(name)
  return DERIVED_FROM_NAME.filter(
    ({ field, valid }) => raw[field] === undefined && !valid(derived)
  ).map(
    ({ field, what }) =>
      `${describe('name')}: ${JSON.stringify(name)} gives the PostgreSQL ${what} ${JSON.stringify(derived)} (the name with '-' and '.' made '_'), which is not allowed: expected ${fieldDescription(field)}; choose another with \`${field}\``
  )
}

export function schemaProblems(
  raw: RawSpec,
  describe: (field: string) => string,
  fileName: string
): string[] {
  if (validateSchema(raw)) return []
  // Ajv reports several errors for one bad field (e.g. each anyOf branch);
  // users want one line per field saying what is allowed.
  const byField = new Map<string, ErrorObject>()
  const problems: string[] = []
  for (const error of validateSchema.errors ?? []) {
    const [field, ...inside] = error.instancePath.split('/').slice(1)
    if (error.keyword === 'additionalProperties' && inside.length === 0 && !field) {
      const unknown = String(error.params.additionalProperty)
      problems.push(
        `${fileName}: unknown field \`${unknown}\`; known fields: ${Object.keys(schema.properties)
          .filter(k => k !== '$schema')
          .join(', ')}`
      )
      continue
    }
    if (field && !byField.has(field)) byField.set(field, error)
  }
  for (const [field, error] of byField) {
    const allowed = fieldDescription(field) ?? 'a valid value'
    const inside = error.instancePath.split('/').slice(2)
    if (inside.length === 0) {
      // A refused key (propertyNames) may be cut from the preview: name it.
      const refusedKey =
        error.propertyName === undefined ? '' : `; the key \`${error.propertyName}\` is refused`
      problems.push(
        `${describe(field)}: ${preview(raw[field])} is not allowed; expected ${allowed}${refusedKey}`
      )
      continue
    }
    // Deep in a structured field: say where, and what is allowed right there.
    const where = `${field}${inside.map(key => (/^\d+$/.test(key) ? `[${key}]` : `.${key}`)).join('')}`
    const value = inside.reduce<unknown>(
      (parent, key) => (parent as Record<string, unknown>)[key],
      raw[field]
    )
    const here = (error.parentSchema as SchemaProperty | undefined)?.description ?? allowed
    problems.push(
      error.keyword === 'additionalProperties'
        ? `${describe(field)}: unknown key \`${String(error.params.additionalProperty)}\` in ${where}; expected ${here}`
        : `${describe(field)}: ${where} ${preview(value)} is not allowed; expected ${here}`
    )
  }
  return problems
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}
