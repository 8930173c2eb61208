// docker buildx build of the rendered context: arguments and the run. The
// arguments are pure but for the files that hold `secrets` values.
import fs from 'node:fs'
import path from 'node:path'
import { Build } from '@docker/actions-toolkit/lib/buildx/build.js'
import { Buildx } from '@docker/actions-toolkit/lib/buildx/buildx.js'
import type { BuildMetadata } from '@docker/actions-toolkit/lib/types/buildx/build.js'
import { EngineUnavailableError } from '../engine/errors.js'
import { type DockerEngine } from '../engine/docker.js'
import type { BuildSecret, Spec } from '../spec/types.js'
import {
  builderNote,
  classicStoreRemedy,
  dockerDriverOnClassicStore,
  type Builder
} from './builder.js'
import { cacheType, type CachePlan } from './cache-plan.js'

export interface BuildResult {
  imageId: string
  seconds: number
  /** What buildx wrote to --metadata-file: `containerimage.digest`, `buildx.build.ref`, ... */
  metadata: BuildMetadata
}

/**
 * OCI labels, with the source and revision when running on GitHub, and the
 * spec's `labels` on top: a user's label wins on the same key.
 */
export function imageLabels(spec: Spec, env: NodeJS.ProcessEnv): Record<string, string> {
  const labels: Record<string, string> = {
    'org.opencontainers.image.title': spec.name,
    'org.opencontainers.image.base.name': spec.baseImage,
    'io.github.aio-image.supervisor': spec.supervisor,
    'io.github.aio-image.postgres': spec.postgres ? String(spec.postgres.version) : 'none'
  }
  if (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY) {
    labels['org.opencontainers.image.source'] = `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}`
  }
  if (env.GITHUB_SHA) labels['org.opencontainers.image.revision'] = env.GITHUB_SHA
  return { ...labels, ...spec.buildPush.labels }
}

/**
 * The provenance's builder id on GitHub: the workflow run's attempt, as
 * docker/build-push-action sets it (the toolkit's GitHub.workflowRunURL).
 */
export function provenanceBuilderId(env: NodeJS.ProcessEnv): string | undefined {
  const { GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT } = env
  if (!GITHUB_SERVER_URL || !GITHUB_REPOSITORY || !GITHUB_RUN_ID) return undefined
  const attempt = GITHUB_RUN_ATTEMPT ? `/attempts/${GITHUB_RUN_ATTEMPT}` : ''
  return `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}${attempt}`
}

/**
 * The spec's inputs that only a registry (or the containerd image store)
 * keeps: attestations and annotations. `provenance: false` asks for none,
 * which every image store honours.
 */
export function registryOnlyInputs(spec: Spec): string[] {
  const { provenance, sbom, annotations } = spec.buildPush
  const asked = (value: string | undefined) => value !== undefined && !isFalse(value)
  return [
    ...(asked(provenance) ? ['provenance'] : []),
    ...(asked(sbom) ? ['sbom'] : []),
    ...(annotations.length > 0 ? ['annotations'] : [])
  ]
}

const isFalse = (value: string) => value.toLowerCase() === 'false'

/**
 * buildx's --attest value for build-push-action's `provenance` or `sbom`:
 * true, false or attributes; provenance gets the builder id unless given.
 */
export function attestValue(
  type: 'provenance' | 'sbom',
  value: string,
  builderId?: string
): string {
  if (isFalse(value)) return `type=${type},disabled=true`
  const attrs = value.toLowerCase() === 'true' ? [] : [value]
  if (type === 'provenance' && builderId && !/(^|,)builder-id=/.test(value))
    attrs.push(`builder-id=${builderId}`)
  return [`type=${type}`, ...attrs].join(',')
}

/**
 * What a build may use that buildx has not always had, and the release
 * that brought it. Everything else buildxArgs emits (--load, --push,
 * --iidfile, --platform, --file, --tag, --label, --build-arg, --no-cache,
 * --pull, --add-host, --network, --ssh, --secret, and --cache-from /
 * --cache-to of type local, registry and inline) is in every release since
 * the first, 0.2.0; but --secret's env= source, which came with 0.6.0, the
 * release every build needs for --metadata-file.
 */
const BUILDX_FEATURES = {
  builder: { what: '--builder', since: '0.4.0' },
  metadataFile: { what: '--metadata-file', since: '0.6.0' },
  attestations: { what: '--attest (provenance, sbom)', since: '0.10.0' },
  annotations: { what: '--annotation', since: '0.12.0' },
  // Older releases speak only the GitHub cache service API v1, shut down on 15 April 2025.
  ghaCache: { what: 'type=gha cache (GitHub cache service API v2)', since: '0.21.0' }
} as const

export type BuildxFeature = keyof typeof BUILDX_FEATURES

/** The installed buildx: its version and which of BUILDX_FEATURES it has. */
export interface InstalledBuildx {
  version: string
  features: ReadonlySet<BuildxFeature>
}

/** What the buildx of `version` has, by the toolkit's version check (a commit build, e.g. `788433a`, has everything). */
export async function installedBuildx(version: string): Promise<InstalledBuildx> {
  // Given the version, versionSatisfies only compares: it runs no buildx.
  const check = new Buildx()
  const features = new Set<BuildxFeature>()
  for (const [feature, { since }] of Object.entries(BUILDX_FEATURES)) {
    if (await check.versionSatisfies(`>=${since}`, version)) features.add(feature as BuildxFeature)
  }
  return { version, features }
}

/** The installed buildx lacks what the build needs: nothing was built. */
export class BuildxTooOldError extends EngineUnavailableError {
  constructor(version: string, missing: readonly BuildxFeature[]) {
    const needs = missing.map(feature => {
      const { what, since } = BUILDX_FEATURES[feature]
      return `${what} needs buildx ${since} or newer`
    })
    super(
      `buildx ${version} is too old for this build: ${needs.join('; ')}. Install a newer buildx (on GitHub: docker/setup-buildx-action)`
    )
  }
}

/** Where a build goes: the native image loaded into the engine, or a platform list. */
export type BuildOutput =
  { load: true; iidFile: string } | { load: false; platforms: string[]; push: boolean }

/** How the build uses the cache, which builder and buildx run it, and the image's labels. */
export interface BuildSettings {
  builder?: string
  /** The installed buildx, asked once per run (installedBuildx). */
  buildx: InstalledBuildx
  cache?: Pick<CachePlan, 'from' | 'to' | 'noCache'>
  labels: Record<string, string>
  /** The provenance attestation's builder id (provenanceBuilderId). */
  provenanceBuilderId?: string
}

export interface BuildArgsOptions extends BuildSettings {
  contextDir: string
  output: BuildOutput
  /** Where buildx writes the build's metadata; every build has it. */
  metadataFile: string
}

/**
 * The arguments of `buildx build`; throws BuildxTooOldError, naming each
 * missing feature, when the installed buildx lacks one that they use.
 */
export function buildxArgs(spec: Spec, options: BuildArgsOptions): string[] {
  const { output, cache } = options
  const { buildPush } = spec
  const missing = new Set<BuildxFeature>()
  const needs = (feature: BuildxFeature) => {
    if (!options.buildx.features.has(feature)) missing.add(feature)
  }
  const args = ['build']
  if (options.builder) {
    needs('builder')
    args.push('--builder', options.builder)
  }
  if (output.load) {
    args.push('--load', '--iidfile', output.iidFile)
  } else {
    args.push('--platform', output.platforms.join(','))
    if (output.push) args.push('--push')
  }
  needs('metadataFile')
  args.push('--metadata-file', options.metadataFile)
  args.push('--file', path.join(options.contextDir, 'Dockerfile'))
  if (cache?.noCache || buildPush.noCache) args.push('--no-cache')
  if (buildPush.pull) args.push('--pull')
  if (buildPush.network) args.push('--network', buildPush.network)
  for (const host of buildPush.addHosts) args.push('--add-host', host)
  for (const secret of buildPush.secrets) args.push('--secret', secretArg(secret))
  for (const ssh of buildPush.ssh) args.push('--ssh', ssh)
  const cacheFrom = cache?.from ?? []
  const cacheTo = cache?.to ?? []
  if ([...cacheFrom, ...cacheTo].some(value => cacheType(value) === 'gha')) needs('ghaCache')
  for (const value of cacheFrom) args.push('--cache-from', value)
  for (const value of cacheTo) args.push('--cache-to', value)
  for (const tag of spec.tags) args.push('--tag', tag)
  for (const [key, value] of Object.entries(options.labels)) args.push('--label', `${key}=${value}`)
  for (const [key, value] of Object.entries(spec.buildArgs))
    args.push('--build-arg', `${key}=${value}`)
  // Attestations and annotations live in manifests: the image loaded for
  // verification has none to keep (the docker driver refuses attestations
  // on the classic image store, and drops annotations), the pushed one does.
  if (!output.load) {
    for (const [type, value] of [
      ['provenance', buildPush.provenance],
      ['sbom', buildPush.sbom]
    ] as const) {
      if (value === undefined) continue
      needs('attestations')
      args.push('--attest', attestValue(type, value, options.provenanceBuilderId))
    }
    if (buildPush.annotations.length > 0) needs('annotations')
    for (const annotation of buildPush.annotations) args.push('--annotation', annotation)
  }
  args.push(options.contextDir)
  if (missing.size > 0) throw new BuildxTooOldError(options.buildx.version, [...missing])
  return args
}

/**
 * buildx's --secret value for a build secret, made by the toolkit as
 * docker/build-push-action makes it. A value goes into a new file in the
 * toolkit's temp directory (removed with it), never onto the command line,
 * which the build log shows; the toolkit also masks it in a runner's log.
 */
function secretArg({ id, source }: BuildSecret): string {
  const entry = `${id}=${source.value}`
  switch (source.kind) {
    case 'value': {
      const arg = Build.resolveSecretString(entry)
      // The toolkit writes it as the umask allows (0644, as a rule); only buildx,
      // run as this user, reads it. The id, an environment variable name, holds no ','.
      fs.chmodSync(arg.slice(arg.indexOf(',src=') + ',src='.length), 0o600)
      return arg
    }
    case 'file':
      return Build.resolveSecretFile(entry)
    case 'env':
      return Build.resolveSecretEnv(entry)
  }
}

interface BuildRequest {
  spec: Spec
  contextDir: string
  onLine: (line: string) => void
  settings: BuildSettings
  output: BuildOutput
}

/**
 * Runs one build whose files (image id, metadata) are the toolkit's `build`'s;
 * the buildx version is checked before anything is built.
 */
async function runBuild(
  docker: DockerEngine,
  build: Build,
  request: BuildRequest
): Promise<{ metadata: BuildMetadata; seconds: number }> {
  const args = buildxArgs(request.spec, {
    ...request.settings,
    contextDir: request.contextDir,
    output: request.output,
    metadataFile: build.getMetadataFilePath()
  })
  const started = performance.now()
  await docker.buildx(args, request.onLine)
  const seconds = (performance.now() - started) / 1000
  const metadata = build.resolveMetadata()
  if (!metadata) throw new Error(`buildx wrote no metadata to ${build.getMetadataFilePath()}`)
  return { metadata, seconds }
}

/**
 * Builds the native image and loads it into the engine; `onLine` gets the
 * build log. The build's files (image id, metadata) are the toolkit's, in
 * its temp directory (engine/toolkit.ts).
 */
export async function buildImage(
  docker: DockerEngine,
  spec: Spec,
  contextDir: string,
  onLine: (line: string) => void,
  settings: BuildSettings
): Promise<BuildResult> {
  const build = new Build()
  const output = { load: true as const, iidFile: build.getImageIDFilePath() }
  const built = await runBuild(docker, build, { spec, contextDir, onLine, settings, output })
  const imageId = build.resolveImageID()
  if (!imageId) throw new Error(`buildx wrote no image id to ${output.iidFile}`)
  return { imageId, ...built }
}

/**
 * Builds every platform of `platforms` (pushing them with `push`); the
 * manifest list's digest comes from the build's metadata. `onLine` gets the
 * build log.
 */
export async function buildPlatforms(
  docker: DockerEngine,
  spec: Spec,
  contextDir: string,
  onLine: (line: string) => void,
  settings: BuildSettings & { platforms: string[]; push: boolean }
): Promise<{ digest?: string; seconds: number; metadata: BuildMetadata }> {
  const build = new Build()
  const output = { load: false as const, platforms: settings.platforms, push: settings.push }
  const built = await runBuild(docker, build, { spec, contextDir, onLine, settings, output })
  return { digest: build.resolveDigest(built.metadata), ...built }
}

/**
 * How the spec's attestations and annotations reach the registry: they
 * live in manifests, which `docker push` of an image in the classic store
 * has none of, so the push goes through buildx where the builder can make
 * them (any driver but docker; docker on the containerd image store). On
 * the docker driver with the classic store they are left out, saying so.
 */
export function registryOnlyPlan(
  spec: Spec,
  builder: Builder
): { pushedByBuildx: boolean; info?: string; warning?: string } {
  const inputs = registryOnlyInputs(spec)
  if (inputs.length === 0) return { pushedByBuildx: false }
  const names = inputs.join(', ')
  if (!spec.push) {
    return { pushedByBuildx: false, info: `${names}: go with a pushed image; push is false` }
  }
  if (!dockerDriverOnClassicStore(builder)) {
    return { pushedByBuildx: true, info: `${names}: pushed with the image by buildx` }
  }
  return {
    pushedByBuildx: false,
    warning: `${names} left out: ${builderNote(builder)}, which keeps no attestations or annotations; ${classicStoreRemedy()}`
  }
}
