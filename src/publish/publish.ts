// The push phase, after judging: every tag is pushed when, and only when,
// every check passed. With platforms beyond the native one, the verified
// native build is followed by a build of the whole list (reusing its cache,
// build/platforms.ts), pushed the same way. Transient registry errors are retried a bounded
// number of times; credentials are the engine's (docker login, DOCKER_CONFIG).
import type { DockerEngine } from '../engine/docker.js'
import type { PushResult, Report } from '../report/model.js'
import type { Ui } from '../ui.js'
import type { Spec } from '../spec/types.js'

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
