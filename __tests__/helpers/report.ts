// Reports built the way the pipeline builds them (buildReport from
// measurements), from a few figures a test names, for the pure stages that
// read the record: judge, summaries, baseline, outputs.
import type { VerifyResult } from '../../src/measure/boot.js'
import type { ImageFigures } from '../../src/measure/image.js'
import type { Report } from '../../src/report/model.js'
import { buildReport } from '../../src/report/record.js'
import type { Spec } from '../../src/spec/types.js'
import { testSpec } from './spec.js'

const MiB = 1024 ** 2

/** What a verified boot of a small image with a database measures. */
export function verifyResult(overrides: Partial<VerifyResult> = {}): VerifyResult {
  return {
    startupMs: 1234,
    restartMs: 800,
    idleMemory: { samples: [59 * MiB, 60 * MiB], median: 59 * MiB, max: 60 * MiB },
    processes: [{ pid: 1, uid: 0, rssBytes: 20_000_000, command: 'supervisord' }],
    stop: { seconds: 1.2, cleanDatabaseShutdown: true },
    runtime: { listeningPorts: [8000], expectedPorts: [8000], dataKept: true },
    waitedMs: 5000,
    ...overrides
  }
}

export interface TestMeasurements {
  spec?: Spec
  image?: Partial<ImageFigures>
  /** Absent: verified with verifyResult(); null: not verified (verify: false). */
  verified?: VerifyResult | null
  buildSeconds?: number
  overheadSeconds?: number
}

/** The unjudged record of a run (no checks yet). */
export function measuredReport(measured: TestMeasurements = {}): Report {
  return buildReport({
    spec: measured.spec ?? testSpec(),
    imageId: 'sha256:abc',
    buildSeconds: measured.buildSeconds ?? 42.5,
    overheadSeconds: measured.overheadSeconds ?? 0.4,
    image: { size: 186_000_000, compressedSize: 71_000_000, layers: [], ...measured.image },
    verified: measured.verified === null ? undefined : (measured.verified ?? verifyResult())
  })
}
