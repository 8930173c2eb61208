// The pull-request comment: one per image name, carrying the summary (checks,
// figures, deltas against the baseline), found again by a hidden marker and
// updated in place on every run.
import { context, getOctokit } from '@actions/github'

export interface PullRequestTarget {
  owner: string
  repo: string
  number: number
  apiUrl: string
}

type EventContext = Pick<typeof context, 'eventName' | 'payload' | 'apiUrl'> & {
  repository?: string
}

const PULL_REQUEST_EVENTS = ['pull_request', 'pull_request_target']
// GitHub refuses comment bodies longer than this.
const MAX_BODY = 65_536

/** The pull request a run is about, or undefined on other events. */
export function pullRequestOf(event: EventContext): PullRequestTarget | undefined {
  const number = event.payload.pull_request?.number
  const [owner, repo] = (event.repository ?? '').split('/')
  if (!PULL_REQUEST_EVENTS.includes(event.eventName) || !number || !owner || !repo) return undefined
  return { owner, repo, number, apiUrl: event.apiUrl }
}

export function commentMarker(name: string): string {
  return `<!-- aio-image: ${name} -->`
}

export function commentBody(name: string, summary: string): string {
  const body = `${commentMarker(name)}\n${summary}`
  return body.length > MAX_BODY ? `${body.slice(0, MAX_BODY - 20)}\n\n…(truncated)` : body
}

/** Creates the image's comment, or updates the one that carries its marker. */
export async function upsertComment(
  target: PullRequestTarget,
  token: string,
  name: string,
  summary: string
): Promise<{ action: 'created' | 'updated'; url: string }> {
  const octokit = getOctokit(token, { baseUrl: target.apiUrl })
  const issue = { owner: target.owner, repo: target.repo, issue_number: target.number }
  const marker = commentMarker(name)
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    ...issue,
    per_page: 100
  })
  const mine = comments.find(comment => comment.body?.includes(marker))
  const body = commentBody(name, summary)
  if (mine) {
    const { data } = await octokit.rest.issues.updateComment({
      owner: target.owner,
      repo: target.repo,
      comment_id: mine.id,
      body
    })
    return { action: 'updated', url: data.html_url }
  }
  const { data } = await octokit.rest.issues.createComment({ ...issue, body })
  return { action: 'created', url: data.html_url }
}

/**
 * On a pull-request event with a token: the comment, created or updated.
 * A failure (e.g. the read-only token of a pull request from a fork) is
 * reported, never fatal.
 */
export async function commentOnPullRequest(
  token: string,
  name: string,
  summary: string,
  env: NodeJS.ProcessEnv,
  log: { info(message: string): void; warning(message: string): void }
): Promise<void> {
  if (token === '') return
  const target = pullRequestOf({ ...context, repository: env.GITHUB_REPOSITORY })
  if (!target) {
    log.info(`no pull-request comment: the event is ${context.eventName || 'not a pull request'}`)
    return
  }
  try {
    const { action, url } = await upsertComment(target, token, name, summary)
    log.info(`${action} the pull-request comment ${url}`)
  } catch (error) {
    const forbidden = (error as { status?: number }).status === 403
    const hint = forbidden
      ? ' (the token may not write: a pull request from a fork gets a read-only one; the job needs `permissions: pull-requests: write`)'
      : ''
    log.warning(
      `could not comment on pull request #${target.number}${hint}: ${(error as Error).message}`
    )
  }
}
