import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { freePort, httpStatus, isReadyStatus, pollUntil } from '../../src/measure/probe.js'

describe('pollUntil', () => {
  it('resolves when the attempt first succeeds', async () => {
    let calls = 0
    await pollUntil(async () => ++calls === 3, { intervalMs: 1, timeoutMs: 1000 })
    expect(calls).toBe(3)
  })

  it('gives up after the timeout, with a bounded number of attempts', async () => {
    let calls = 0
    await expect(
      pollUntil(async () => (calls++, false), { intervalMs: 10, timeoutMs: 100 })
    ).rejects.toThrow('not ready within 0 s')
    expect(calls).toBeLessThanOrEqual(12)
  })

  it('stops when the periodic check throws', async () => {
    let calls = 0
    const check = async () => {
      throw new Error('container exited')
    }
    await expect(
      pollUntil(async () => (calls++, false), {
        intervalMs: 1,
        timeoutMs: 5000,
        check,
        checkEvery: 4
      })
    ).rejects.toThrow('container exited')
    expect(calls).toBe(4)
  })
})

describe('httpStatus', () => {
  it('reads the status of a loopback server, and undefined when nothing listens', async () => {
    const server = http.createServer((request, response) => {
      response.statusCode = request.url === '/health' ? 204 : 500
      response.end()
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    try {
      expect(await httpStatus(port, '/health')).toBe(204)
      expect(isReadyStatus(await httpStatus(port, '/other'))).toBe(false)
    } finally {
      server.close()
    }
    expect(await httpStatus(await freePort(), '/health')).toBeUndefined()
  })

  it('treats 2xx and 3xx as ready', () => {
    expect([200, 302, 399, 404, 500, undefined].map(isReadyStatus)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false
    ])
  })
})
