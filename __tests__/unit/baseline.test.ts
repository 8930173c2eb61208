import fs from 'node:fs'
import path from 'node:path'
import {
  BaselineError,
  compareReports,
  compareWithBaseline,
  loadReport
} from '../../src/baseline/baseline.js'
import { branchEvent, resolveBaseline, saveBranchReport } from '../../src/action/branch-baseline.js'
import type { CacheStore } from '../../src/engine/cache-store.js'
import { summaryMarkdown } from '../../src/report/markdown.js'
import { type Report } from '../../src/report/model.js'
import { measuredReport, verifyResult } from '../helpers/report.js'
import { tempDir, writeFiles } from '../helpers/tmp.js'

const MiB = 1024 ** 2

interface Figures {
  imageSize: number
  startupMs: number
  restartMs: number
  idleMemoryMax: number
}

function reportOf(figures: Partial<Figures>): Report {
  const {
    imageSize = 180_000_000,
    startupMs = 1500,
    restartMs = 500,
    idleMemoryMax = 60 * MiB
  } = figures
  return measuredReport({
    image: { size: imageSize, compressedSize: 70_000_000 },
    buildSeconds: 30,
    overheadSeconds: 2,
    verified: verifyResult({
      startupMs,
      restartMs,
      idleMemory: { samples: [59 * MiB, idleMemoryMax], median: 59 * MiB, max: idleMemoryMax },
      processes: []
    })
  })
}

const before = reportOf({})
const after = reportOf({
  imageSize: 190_000_000,
  startupMs: 1200,
  restartMs: 600,
  idleMemoryMax: 66 * MiB
})

describe('compareReports', () => {
  it('gives the change of size, compressed size, startup, restart and idle memory', () => {
    expect(compareReports(after, before)).toEqual([
      {
        title: 'image size',
        unit: 'bytes',
        baseline: 180e6,
        current: 190e6,
        change: 10e6,
        percent: 5.6
      },
      {
        title: 'compressed size',
        unit: 'bytes',
        baseline: 70e6,
        current: 70e6,
        change: 0,
        percent: 0
      },
      {
        title: 'first boot to ready',
        unit: 'seconds',
        baseline: 1.5,
        current: 1.2,
        change: -0.3,
        percent: -20
      },
      {
        title: 'restart to ready',
        unit: 'seconds',
        baseline: 0.5,
        current: 0.6,
        change: 0.1,
        percent: 20
      },
      {
        title: 'idle memory (max)',
        unit: 'memory',
        baseline: 60 * MiB,
        current: 66 * MiB,
        change: 6 * MiB,
        percent: 10
      }
    ])
  })

  it('leaves out figures one report lacks (verify: false)', () => {
    const unverified = { ...before, startup: undefined, memory: undefined }
    expect(compareReports(after, unverified).map(delta => delta.title)).toEqual([
      'image size',
      'compressed size'
    ])
  })

  it('gives the change of the upgrade to ready when both upgraded (upgrade-from)', () => {
    const upgraded = (report: Report, readySeconds: number): Report => ({
      ...report,
      runtime: { ...report.runtime!, upgrade: { from: 'app:1', readySeconds } }
    })
    const deltas = compareReports(upgraded(after, 2.4), upgraded(before, 2))
    expect(deltas.find(delta => delta.title === 'upgrade to ready')).toEqual({
      title: 'upgrade to ready',
      unit: 'seconds',
      baseline: 2,
      current: 2.4,
      change: 0.4,
      percent: 20
    })
    expect(compareReports(upgraded(after, 2.4), before).map(delta => delta.title)).not.toContain(
      'upgrade to ready'
    )
  })
})

describe('summary with a baseline', () => {
  it('shows the deltas in a table', () => {
    const report = {
      ...after,
      baseline: compareWithBaseline(after, { source: 'base.json', report: before })
    }
    const summary = summaryMarkdown(report)
    expect(summary).toContain('Compared with the baseline (base.json):')
    expect(summary).toContain('| figure | baseline | this run | change |')
    expect(summary).toContain('| image size | 180.0 MB | 190.0 MB | +10.0 MB (+5.6%) |')
    expect(summary).toContain('| first boot to ready | 1.500 s | 1.200 s | -0.300 s (-20.0%) |')
    expect(summary).toContain('| idle memory (max) | 60.0 MiB | 66.0 MiB | +6.0 MiB (+10.0%) |')
  })

  it('says when there is none', () => {
    const summary = summaryMarkdown({ ...after, baseline: { missing: 'no report saved for main' } })
    expect(summary).toContain('No baseline to compare with: no report saved for main.')
  })
})

describe('loadReport', () => {
  const dir = tempDir()

  it('reads a report written by an earlier run', () => {
    const file = path.join(dir, 'good.json')
    fs.writeFileSync(file, JSON.stringify(before))
    expect(loadReport(file, 'input `baseline-report`')).toEqual(before)
  })

  it.each([
    ['missing.json', undefined, /cannot be read as JSON/],
    ['text.json', 'not json', /cannot be read as JSON/],
    ['other.json', '{"version": 2}', /is not a version 1 report/]
  ])('refuses %s naming the input and what is expected', (name, content, problem) => {
    if (content !== undefined) writeFiles(dir, { [name]: content })
    const load = () => loadReport(path.join(dir, name), 'input `baseline-report`')
    expect(load).toThrow(BaselineError)
    expect(load).toThrow(problem)
    expect(load).toThrow(
      /^input `baseline-report`: ".*" .*; expected the JSON report of an earlier aio-image run/
    )
  })
})

describe('the base branch’s report', () => {
  function memoryStore(available = true) {
    const entries = new Map<string, Map<string, string>>()
    const store: CacheStore & { entries: typeof entries } = {
      entries,
      available: () => available,
      async restore(dir, key, prefix) {
        const found = [...entries.keys()].filter(k => k === key || k.startsWith(prefix)).pop()
        if (!found) return undefined
        fs.mkdirSync(dir, { recursive: true })
        for (const [file, content] of entries.get(found)!)
          fs.writeFileSync(path.join(dir, file), content)
        return found
      },
      async save(dir, key) {
        entries.set(
          key,
          new Map(fs.readdirSync(dir).map(f => [f, fs.readFileSync(path.join(dir, f), 'utf8')]))
        )
      }
    }
    return store
  }

  it('reads the event from the runner’s variables', () => {
    expect(branchEvent({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_BASE_REF: 'main' })).toEqual({
      kind: 'pull-request',
      base: 'main'
    })
    expect(branchEvent({ GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/release/1' })).toEqual({
      kind: 'push',
      branch: 'release/1'
    })
    expect(branchEvent({ GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/tags/v1' })).toBeUndefined()
    expect(branchEvent({})).toBeUndefined()
  })

  it('is saved on a push and restored by a pull request against that branch', async () => {
    const cacheHome = tempDir()
    const store = memoryStore()
    const reportFile = path.join(cacheHome, 'report.json')
    fs.writeFileSync(reportFile, JSON.stringify(before))
    const push = {
      XDG_CACHE_HOME: cacheHome,
      GITHUB_EVENT_NAME: 'push',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_RUN_ID: '7',
      GITHUB_RUN_ATTEMPT: '1'
    }
    await saveBranchReport(reportFile, 'demo', push, store)
    expect([...store.entries.keys()]).toEqual(['aio-image-report-main-demo-7-1'])
    // a later job on a fresh machine
    fs.rmSync(path.join(cacheHome, 'aio-image'), { recursive: true })

    const pr = {
      XDG_CACHE_HOME: cacheHome,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_BASE_REF: 'main'
    }
    expect(await resolveBaseline('', 'demo', cacheHome, pr, store)).toEqual({
      source: 'branch main',
      report: before
    })
    const otherEvent = { XDG_CACHE_HOME: cacheHome, GITHUB_EVENT_NAME: 'push' }
    expect(await resolveBaseline('', 'demo', cacheHome, otherEvent, store)).toBeUndefined()
  })

  it('says so when the base branch has none, and why the cache may be missing', async () => {
    const pr = {
      XDG_CACHE_HOME: tempDir(),
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_BASE_REF: 'main'
    }
    expect(await resolveBaseline('', 'nothing-here', tempDir(), pr, memoryStore(false))).toEqual({
      missing:
        'no report of `nothing-here` saved for the base branch `main` (runs on pushes to main save one; the GitHub Actions cache service is not available here)'
    })
  })

  it('prefers an explicit baseline-report, relative to the working directory', async () => {
    const dir = tempDir()
    fs.writeFileSync(path.join(dir, 'base.json'), JSON.stringify(before))
    const pr = { GITHUB_EVENT_NAME: 'pull_request', GITHUB_BASE_REF: 'main' }
    expect(await resolveBaseline('base.json', 'demo', dir, pr, memoryStore())).toEqual({
      source: 'base.json',
      report: before
    })
  })
})
