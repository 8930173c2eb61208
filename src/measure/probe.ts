// Readiness probes, as the contract defines "ready". Every loop here is
// bounded both in attempts and in time.
import http from 'node:http'
import net from 'node:net'

/** One GET; resolves with the status code, or undefined when nothing answered. */
export function httpStatus(
  port: number,
  pathAndQuery: string,
  timeoutMs = 1000
): Promise<number | undefined> {
  return new Promise(resolve => {
    const request = http.get(
      { host: '127.0.0.1', port, path: pathAndQuery, agent: false, timeout: timeoutMs },
      response => {
        response.resume()
        resolve(response.statusCode)
      }
    )
    request.on('timeout', () => request.destroy())
    request.on('error', () => resolve(undefined))
  })
}

export const isReadyStatus = (status: number | undefined): boolean =>
  status !== undefined && status >= 200 && status < 400

export interface PollOptions {
  intervalMs: number
  timeoutMs: number
  /** Called every `checkEvery` attempts; throwing stops the poll (e.g. the container exited). */
  check?: () => Promise<void>
  checkEvery?: number
}

/**
 * Polls `attempt` until it returns true; resolves with the time it first did
 * (performance.now() clock). Throws after `timeoutMs` or as many attempts as
 * fit in it at `intervalMs`.
 */
export async function pollUntil(
  attempt: () => Promise<boolean>,
  options: PollOptions
): Promise<number> {
  const deadline = performance.now() + options.timeoutMs
  const maxAttempts = Math.ceil(options.timeoutMs / options.intervalMs) + 1
  for (let count = 1; count <= maxAttempts && performance.now() <= deadline; count++) {
    const started = performance.now()
    if (await attempt()) return performance.now()
    if (options.check && count % (options.checkEvery ?? 20) === 0) await options.check()
    const wait = options.intervalMs - (performance.now() - started)
    if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait))
  }
  throw new Error(`not ready within ${(options.timeoutMs / 1000).toFixed(0)} s`)
}

/** A TCP port on 127.0.0.1 that is free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}
