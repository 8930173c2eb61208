import { judgeBudgets } from '../../src/judge/budgets.js'
import { judgeReport } from '../../src/judge/judge.js'
import { judgeRuntime } from '../../src/judge/runtime.js'
import { summaryMarkdown } from '../../src/report/markdown.js'
import type { HardenedRun, Report, UpgradeRun, UpgradeStep } from '../../src/report/model.js'
import { instruction } from '../../src/report/record.js'
import { summaryText } from '../../src/report/text.js'
import { describeFailure, failedChecks, verdict } from '../../src/report/verdict.js'
import { measuredReport } from '../helpers/report.js'
import { testSpec } from '../helpers/spec.js'

const measured = measuredReport()

describe('judgeBudgets', () => {
  it('passes figures within budget and says by how much one is over', () => {
    const checks = judgeBudgets(measured, {
      maxImageSize: 10_000_000,
      maxStartupTime: 2,
      maxIdleMemory: 64 * 1024 ** 2
    })
    expect(checks.map(c => [c.id, c.passed])).toEqual([
      ['max-image-size', false],
      ['max-startup-time', true],
      ['max-idle-memory', true]
    ])
    expect(checks[0]).toMatchObject({
      kind: 'budget',
      budget: '10.0 MB',
      actual: '186.0 MB',
      detail: 'over by 176.0 MB (1760.0%)'
    })
  })

  it('checks only the budgets that are set', () => {
    expect(judgeBudgets(measured, {})).toEqual([])
  })
})

describe('judgeRuntime', () => {
  it('checks the stop, the database shutdown, data kept and listeners', () => {
    expect(judgeRuntime(measured).map(c => [c.id, c.kind, c.passed])).toEqual([
      ['graceful-stop', 'runtime', true],
      ['clean-database-shutdown', 'runtime', true],
      ['data-kept-after-restart', 'runtime', true],
      ['listening-ports', 'runtime', true]
    ])
    const bad = judgeRuntime({
      ...measured,
      stop: { seconds: 10.4, cleanDatabaseShutdown: false },
      runtime: { listeningPorts: [5432, 8000], expectedPorts: [8000], dataKept: false }
    })
    expect(bad.every(check => !check.passed)).toBe(true)
    expect(bad[0].detail).toBe('docker stop had to kill the container')
    expect(bad[3]).toMatchObject({
      budget: 'only 8000',
      actual: '5432, 8000',
      detail: 'unexpected: 5432'
    })
  })

  it('checks the hardened run: ready, stopped in time, database shut down cleanly', () => {
    const hardened = (run: Omit<HardenedRun, 'user'>) =>
      judgeRuntime({
        ...measured,
        runtime: { ...measured.runtime!, hardened: { user: '12345:0', ...run } }
      }).find(check => check.id === 'hardened-run')
    expect(
      hardened({ readySeconds: 1.5, stop: { seconds: 0.8, cleanDatabaseShutdown: true } })
    ).toEqual({
      id: 'hardened-run',
      kind: 'runtime',
      title: 'Hardened run',
      actual: 'ready in 1.500 s as 12345:0, stopped in 0.800 s',
      passed: true,
      detail: undefined
    })
    expect(hardened({ error: 'the container exited with code 1' })).toMatchObject({
      actual: 'not ready as 12345:0',
      passed: false,
      detail: 'the container exited with code 1'
    })
    expect(
      hardened({ readySeconds: 1.5, stop: { seconds: 10.2, cleanDatabaseShutdown: true } })
    ).toMatchObject({ passed: false, detail: 'docker stop had to kill the container' })
    expect(
      hardened({ readySeconds: 1.5, stop: { seconds: 0.8, cleanDatabaseShutdown: false } })
    ).toMatchObject({ passed: false, detail: 'no clean database shutdown in the log' })
    expect(hardened({ readySeconds: 1.5, stop: { seconds: 0.8 } })?.passed).toBe(true)
  })

  it('checks the upgrade: ready on the old data with the row and the migration, or the step that failed and why', () => {
    const upgrade = (run: Omit<UpgradeRun, 'from'>) =>
      judgeRuntime({
        ...measured,
        runtime: { ...measured.runtime!, upgrade: { from: 'app:1', ...run } }
      }).find(check => check.id === 'upgrade-from')
    expect(upgrade({ readySeconds: 2.5, migrated: true })).toEqual({
      id: 'upgrade-from',
      kind: 'runtime',
      title: 'Upgrade',
      actual: 'ready in 2.500 s on the data of app:1, row kept, migrate command ran',
      passed: true
    })
    expect(upgrade({ readySeconds: 2.5 })?.actual).toBe(
      'ready in 2.500 s on the data of app:1, row kept'
    )
    const failures: Record<UpgradeStep, string> = {
      pull: 'app:1 could not be pulled',
      'previous-ready': 'app:1 did not become ready on a fresh volume',
      'marker-written': 'no row could be written under app:1',
      ready: 'not ready on the data of app:1',
      'marker-kept': 'the row written under app:1 is gone',
      migrated: 'the migrate command did not run',
      healthy: 'not healthy after the upgrade'
    }
    for (const [step, actual] of Object.entries(failures) as Array<[UpgradeStep, string]>) {
      expect(upgrade({ failed: { step, reason: 'why, with the log' } })).toMatchObject({
        actual,
        passed: false,
        detail: 'why, with the log'
      })
    }
  })

  it('leaves out the database checks without a database', () => {
    const noDatabase: Report = {
      ...measured,
      stop: { seconds: 1.2 },
      runtime: { listeningPorts: [8000], expectedPorts: [8000] }
    }
    expect(judgeRuntime(noDatabase).map(c => c.id)).toEqual(['graceful-stop', 'listening-ports'])
  })
  it('has nothing to say when nothing was booted', () => {
    expect(judgeRuntime(measuredReport({ verified: null }))).toEqual([])
  })
})

describe('report and summary', () => {
  const spec = testSpec({ 'max-image-size': '10MB' })
  const report = judgeReport(
    measuredReport({
      spec,
      image: {
        layers: [
          { size: 62_000_000, createdBy: 'COPY /out/ / # buildkit' },
          {
            size: 46_000_000,
            createdBy: '/bin/sh -c apt-get update && apt-get install -y supervisor | tee # buildkit'
          }
        ]
      }
    }),
    spec
  )
  const { checks } = report

  it('records figures in seconds and bytes, and the verdict', () => {
    expect(report).toMatchObject({
      version: 1,
      name: 'demo',
      image: {
        id: 'sha256:abc',
        size: 186_000_000,
        compressedSize: 71_000_000,
        tags: ['demo:latest']
      },
      startup: { firstBoot: 1.234, restart: 0.8 },
      memory: { idle: { max: 60 * 1024 ** 2 } },
      passed: false
    })
    expect(report.image.largestLayers[1].createdBy).toBe(
      'RUN apt-get update && apt-get install -y supervisor | tee'
    )
  })

  it("keeps the five largest layers, and an older major's server for pg_upgrade whatever its rank", () => {
    const layer = (size: number, createdBy: string) => ({ size, createdBy })
    const { largestLayers } = measuredReport({
      image: {
        layers: [
          ...[90, 80, 70, 60, 50, 40].map(mb => layer(mb * 1e6, `RUN step-${mb}`)),
          layer(
            30e6,
            'RUN /bin/sh -c cp -an /run/aio-upgrade-from-postgres-15/. / && ldconfig # buildkit'
          )
        ]
      }
    }).image
    expect(largestLayers.map(entry => entry.size / 1e6)).toEqual([90, 80, 70, 60, 50, 30])
  })

  it('summarises which budget failed and by how much', () => {
    const markdown = summaryMarkdown(report)
    expect(markdown).toContain('## aio-image: demo ❌ failed')
    expect(markdown).toContain(
      '| Image size | 10.0 MB | 186.0 MB | ❌ fail: over by 176.0 MB (1760.0%) |'
    )
    expect(markdown).toContain('| first boot to ready | 1.234 s |')
    expect(markdown).toContain('| idle memory (median) | 59.0 MiB |')
    expect(markdown).toContain('| idle memory (max) | 60.0 MiB |')
    expect(markdown).toContain('| action overhead | 0.400 s |')
    // table cells cannot be broken by the instruction's pipe
    expect(markdown).toContain('supervisor \\| tee')
    expect(markdown).toContain('| 19.1 MiB | 0 | `supervisord` |')
  })

  it('renders the same tables as plain text for a terminal, cut to its width', () => {
    const text = summaryText(report, undefined, 60)
    expect(text).toContain('aio-image: demo failed')
    expect(text).toMatch(/^Image size +10\.0 MB +186\.0 MB +FAIL: over by 176\.0 MB \(1760\.0%\)$/m)
    expect(text).toMatch(/^first boot to ready +1\.234 s$/m)
    expect(text).toMatch(/^ {2}19\.1 MiB +0 +supervisord$/m)
    expect(text).toMatch(/^ {2}46\.0 MB {2}RUN apt-get update && apt-get install -y supervi…$/m)
  })

  it('splits failures into those that fail the run and those that only warn', () => {
    const stop = judgeRuntime({ ...report, stop: { seconds: 11, cleanDatabaseShutdown: true } })[0]
    const failing = [...checks, stop]
    expect(failedChecks(failing, true).fatal.map(c => c.id)).toEqual([
      'max-image-size',
      'graceful-stop'
    ])
    const advisory = failedChecks(failing, false)
    expect(advisory.fatal.map(c => c.id)).toEqual(['graceful-stop'])
    expect(advisory.advisory.map(c => c.id)).toEqual(['max-image-size'])
    expect(describeFailure(checks[0])).toBe(
      'Image size: 186.0 MB (budget 10.0 MB), over by 176.0 MB (1760.0%)'
    )
  })

  it('strips the shell prefix of docker history', () => {
    expect(instruction('/bin/sh -c #(nop)  EXPOSE 8000')).toBe('EXPOSE 8000')
    expect(instruction('RUN /bin/sh -c apt-get update # buildkit')).toBe('RUN apt-get update')
    expect(instruction('')).toBe('(base image)')
  })
})

describe('summary lines', () => {
  const spec = testSpec({ push: true, tags: ['reg.example/app:1', 'reg.example/app:latest'] })
  const base = measuredReport({ spec })
  const cache = {
    used: 'inline' as const,
    message: 'inline: auto',
    warnings: ['cache: gha needs a builder']
  }

  it('renders the push, the baseline and the build cache in both summaries', () => {
    const report: Report = {
      ...base,
      cache,
      baseline: { missing: 'no report of `app` saved for the base branch `main`' },
      push: {
        pushed: true,
        tags: spec.tags.map(tag => ({ tag, digest: 'sha256:d' })),
        platforms: [],
        failed: false,
        digest: 'sha256:d'
      }
    }
    const markdown = summaryMarkdown(report)
    expect(markdown).toContain(
      'No baseline to compare with: no report of `app` saved for the base branch `main`.\n'
    )
    expect(markdown).toContain(
      '📦 Pushed: `reg.example/app:1`, `reg.example/app:latest` (digest `sha256:d`)\n'
    )
    expect(markdown).toContain('Build cache: inline: auto\n\n> ⚠️ cache: gha needs a builder\n')
    const text = summaryText(report)
    expect(text).toContain(
      'No baseline to compare with: no report of app saved for the base branch main.'
    )
    expect(text).toContain('Pushed: reg.example/app:1, reg.example/app:latest (digest sha256:d)')
    expect(text).toContain('! cache: gha needs a builder')
  })

  it('fails the run on a failed push, in either front end', () => {
    const failed: Report = {
      ...base,
      push: { pushed: false, tags: [], platforms: [], failed: true, reason: 'push failed: 401' }
    }
    expect(summaryMarkdown(failed)).toContain('❌ push failed: 401\n')
    expect(summaryText(failed)).toContain('✖ push failed: 401')
    expect(verdict(failed, true)).toEqual({ failures: ['push failed: 401'], warnings: [] })
  })
})
