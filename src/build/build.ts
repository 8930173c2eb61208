// docker buildx build of the rendered context: arguments (pure) and the run.
import fs from 'node:fs'
import path from 'node:path'
import type { DockerEngine } from '../engine/docker.js'
import type { CachePlan } from './cache-plan.js'
import type { Spec } from '../spec/types.js'

export interface BuildResult {
  imageId: string
  seconds: number
}

/** OCI labels, with the source and revision when running on GitHub. */
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
  return labels
}

/** Where a build goes: the native image loaded into the engine, or a platform list. */
export type BuildOutput =
  | { load: true; iidFile: string }
  | { load: false; platforms: string[]; push: boolean; metadataFile: string }

/** How the build uses the cache, which builder runs it, and the image's labels. */
export interface BuildSettings {
  builder?: string
  cache?: Pick<CachePlan, 'from' | 'to' | 'noCache'>
  labels: Record<string, string>
}

export interface BuildArgsOptions extends BuildSettings {
  contextDir: string
  output: BuildOutput
}

export function buildxArgs(spec: Spec, options: BuildArgsOptions): string[] {
  const { output, cache } = options
  const args = ['build']
  if (options.builder) args.push('--builder', options.builder)
  if (output.load) {
    args.push('--load', '--iidfile', output.iidFile)
  } else {
    args.push('--platform', output.platforms.join(','), '--metadata-file', output.metadataFile)
    if (output.push) args.push('--push')
  }
  args.push('--file', path.join(options.contextDir, 'Dockerfile'))
  if (cache?.noCache) args.push('--no-cache')
  for (const value of cache?.from ?? []) args.push('--cache-from', value)
  for (const value of cache?.to ?? []) args.push('--cache-to', value)
  for (const tag of spec.tags) args.push('--tag', tag)
  for (const [key, value] of Object.entries(options.labels)) args.push('--label', `${key}=${value}`)
  for (const [key, value] of Object.entries(spec.buildArgs))
    args.push('--build-arg', `${key}=${value}`)
  args.push(options.contextDir)
  return args
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now()
  const value = await work()
  return [value, (performance.now() - started) / 1000]
}

/** Builds the native image and loads it into the engine; `onLine` gets the build log. */
export async function buildImage(
  docker: DockerEngine,
  spec: Spec,
  contextDir: string,
  workDir: string,
  onLine: (line: string) => void,
  settings: BuildSettings
): Promise<BuildResult> {
  const iidFile = path.join(workDir, 'image-id')
  const args = buildxArgs(spec, {
    ...settings,
    contextDir,
    output: { load: true, iidFile }
  })
  const [, seconds] = await timed(() => docker.buildx(args, onLine))
  return { imageId: (await fs.promises.readFile(iidFile, 'utf8')).trim(), seconds }
}

/**
 * Builds every platform of `platforms` (pushing them with `push`); the
 * manifest list's digest comes from buildx's metadata file. `onLine` gets the build log.
 */
export async function buildPlatforms(
  docker: DockerEngine,
  spec: Spec,
  contextDir: string,
  workDir: string,
  onLine: (line: string) => void,
  settings: BuildSettings & { platforms: string[]; push: boolean }
): Promise<{ digest?: string; seconds: number }> {
  const metadataFile = path.join(workDir, 'platforms-metadata.json')
  const args = buildxArgs(spec, {
    ...settings,
    contextDir,
    output: { load: false, platforms: settings.platforms, push: settings.push, metadataFile }
  })
  const [, seconds] = await timed(() => docker.buildx(args, onLine))
  const metadata = JSON.parse(await fs.promises.readFile(metadataFile, 'utf8')) as Record<
    string,
    unknown
  >
  const digest = metadata['containerimage.digest']
  return { digest: typeof digest === 'string' ? digest : undefined, seconds }
}
