// docker buildx build of the rendered context: arguments (pure) and the run.
import fs from 'node:fs'
import path from 'node:path'
import type { DockerEngine } from './docker.js'
import type { Spec } from './spec.js'

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

export interface BuildArgsOptions {
  contextDir: string
  iidFile: string
  labels: Record<string, string>
}

export function buildxArgs(spec: Spec, options: BuildArgsOptions): string[] {
  const args = [
    'build',
    '--load',
    '--iidfile',
    options.iidFile,
    '--file',
    path.join(options.contextDir, 'Dockerfile')
  ]
  for (const tag of spec.tags) args.push('--tag', tag)
  for (const [key, value] of Object.entries(options.labels)) args.push('--label', `${key}=${value}`)
  for (const [key, value] of Object.entries(spec.buildArgs))
    args.push('--build-arg', `${key}=${value}`)
  args.push(options.contextDir)
  return args
}

/** Builds and loads the image; `onLine` receives the build's log line by line. */
export async function buildImage(
  docker: DockerEngine,
  spec: Spec,
  contextDir: string,
  workDir: string,
  onLine: (line: string) => void
): Promise<BuildResult> {
  const iidFile = path.join(workDir, 'image-id')
  const args = buildxArgs(spec, { contextDir, iidFile, labels: imageLabels(spec, process.env) })
  const started = performance.now()
  await docker.buildx(args, onLine)
  const seconds = (performance.now() - started) / 1000
  return { imageId: (await fs.promises.readFile(iidFile, 'utf8')).trim(), seconds }
}
