// The push phase, after judging: every tag is pushed when, and only when,
// every check passed. With platforms beyond the native one, the verified
// native build is followed by a build of the whole list (reusing its cache),
// pushed the same way. Transient registry errors are retried a bounded
// number of times; credentials are the engine's (docker login, DOCKER_CONFIG).
import type { DockerEngine } from '../engine/docker.js'
import type { Ui } from '../pipeline.js'
import type { Report } from '../report/report.js'
import type { Spec } from '../spec/spec.js'

export interface PushResult {
  pushed: boolean
  /** The registry's manifest (or manifest list) digest; the first tag's. */
  digest?: string
  /** Tags pushed, with the digest each got. */
  tags: Array<{ tag: string; digest?: string }>
  /** Platforms built for the push; empty for the native image alone. */
  platforms: string[]
  /** Why nothing (or not everything) was pushed. */
  reason?: string
  /** The push was due and failed: the step fails. */
  failed: boolean
}

export class PlatformError extends Error {}

/** os/arch[/variant] equality, where arm64's v8 and amd64's v1 are the defaults. */
export function samePlatform(a: string, b: string): boolean {
  const parts = (platform: string) => {
    const [os, arch, variant] = platform.toLowerCase().split('/')
    const defaultVariant = arch === 'arm64' ? 'v8' : arch === 'amd64' ? 'v1' : ''
    return `${os}/${arch}/${variant ?? defaultVariant}`
  }
  return parts(a) === parts(b)
}

/** The builder's native platform: buildx lists it first. */
export function nativePlatform(platforms: string | undefined): string {
  return (platforms ?? '').split(',')[0]?.trim() || 'linux/amd64'
}

/**
 * Whether `platforms` asks for more than the native image that verification
 * builds; throws PlatformError when the builder cannot build such a list.
 */
export function needsPlatformBuild(
  platforms: readonly string[],
  builder: { name: string; driver: string; native: string }
): boolean {
  if (platforms.length === 0) return false
  if (platforms.length === 1 && samePlatform(platforms[0], builder.native)) return false
  if (builder.driver === 'docker') {
    throw new PlatformError(
      `\`platforms\`: ${platforms.join(', ')} names more than this machine's platform (${builder.native}); building them needs a builder with the docker-container driver (on GitHub: docker/setup-qemu-action and docker/setup-buildx-action), but builder "${builder.name}" uses the docker driver`
    )
  }
  return true
}

const TRANSIENT =
  /timeout|timed out|connection reset|connection refused|unexpected EOF|broken pipe|TLS handshake|temporar|too many requests|\b429\b|\b50[0234]\b|bad gateway|service unavailable/i
const AUTHENTICATION = /unauthorized|denied|authentication required|no basic auth credentials/i

export function isTransientRegistryError(message: string): boolean {
  return TRANSIENT.test(message) && !AUTHENTICATION.test(message)
}

export interface RetryOptions {
  attempts: number
  /** Delay before the second attempt; doubled before each further one. */
  firstDelayMs: number
}

const DEFAULT_RETRY: RetryOptions = { attempts: 3, firstDelayMs: 2000 }

/** Runs `work`, again after a transient registry error, at most `attempts` times. */
export async function withRetries<T>(
  what: string,
  work: () => Promise<T>,
  ui: Ui,
  retry: RetryOptions = DEFAULT_RETRY
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work()
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      if (attempt >= retry.attempts || !isTransientRegistryError(message)) throw error
      const delay = retry.firstDelayMs * 2 ** (attempt - 1)
      ui.warning(
        `${what}: transient registry error (attempt ${attempt} of ${retry.attempts}), retrying in ${delay / 1000} s: ${message.split('\n').pop()}`
      )
      await new Promise(resolve => setTimeout(resolve, delay))
    }
  }
}

export interface PublishOptions {
  docker: DockerEngine
  spec: Spec
  ui: Ui
  report: Report
  /** Builds the whole platform list, pushing it with `push`; resolves with its digest. */
  buildPlatforms?: (push: boolean) => Promise<string | undefined>
  retry?: RetryOptions
}

/** Pushes (or, for platform lists, builds) after judging; undefined when there is nothing to do. */
export async function publish(options: PublishOptions): Promise<PushResult | undefined> {
  const { docker, spec, ui, report, buildPlatforms } = options
  if (!spec.push && !buildPlatforms) return undefined
  const platforms = buildPlatforms ? spec.platforms : []
  const result: PushResult = { pushed: false, tags: [], platforms, failed: false }
  if (!report.passed) {
    const failed = report.checks.filter(check => !check.passed).map(check => check.title)
    result.reason = `not ${spec.push ? 'pushed' : 'built for every platform'}: ${failed.join(', ')} failed`
    ui.info(result.reason)
    return result
  }
  try {
    if (buildPlatforms) {
      const digest = await withRetries(
        `build ${platforms.join(', ')}`,
        () => buildPlatforms(spec.push),
        ui,
        options.retry
      )
      if (!spec.push) {
        result.reason = `push is false: ${platforms.join(', ')} built, not pushed`
        return result
      }
      result.digest = digest
      result.tags = spec.tags.map(tag => ({ tag, digest }))
    } else {
      for (const tag of spec.tags) {
        const digest = await withRetries(
          `push ${tag}`,
          () => docker.push(tag, line => ui.detail(line)),
          ui,
          options.retry
        )
        result.tags.push({ tag, digest })
      }
      result.digest = result.tags[0]?.digest
    }
    result.pushed = true
    ui.info(`pushed ${spec.tags.join(', ')} (${result.digest})`)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    const hint = AUTHENTICATION.test(message)
      ? ' (log in to the registry first: docker/login-action, or docker login with DOCKER_CONFIG)'
      : ''
    result.failed = true
    result.reason = `push failed${hint}: ${message}`
  }
  return result
}
