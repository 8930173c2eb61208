// The record of a run: what was measured, the checks judged against it, and
// what was done with it (cache, baseline, push). It is built once from the
// measurements (record.ts); the judge, the outputs, both summaries and a
// later run's baseline all read it. Written as the JSON report, so its shape
// is versioned. Types only, below every stage that uses them.
import type { CacheMode } from '../spec/types.js'

export const REPORT_VERSION = 1

export interface Report {
  version: typeof REPORT_VERSION
  name: string
  image: {
    id: string
    tags: string[]
    size: number
    compressedSize: number
    largestLayers: Array<{ size: number; createdBy: string }>
  }
  build: { seconds: number }
  /** The action's own time, outside the build and the container waits. */
  overhead: { seconds: number }
  /** Seconds, absent when verify is false. */
  startup?: { firstBoot: number; restart: number }
  memory?: {
    idle: { median: number; max: number; samples: number[] }
    processes: Array<{ command: string; uid: number; rss: number }>
  }
  /** cleanDatabaseShutdown is absent without an embedded database. */
  stop?: { seconds: number; cleanDatabaseShutdown?: boolean }
  /** What the booted container did, for the runtime checks. */
  runtime?: {
    /** TCP ports something listened on inside the container after first boot. */
    listeningPorts: number[]
    /** The ports allowed to listen: the app's, and PostgreSQL's when opened by run-env. */
    expectedPorts: number[]
    /** A row written before the graceful stop was read back after the restart; absent without a database. */
    dataKept?: boolean
    /** The boot under the hardened profile; absent with verify-hardened false. */
    hardened?: HardenedRun
    /** The upgrade from the image users run today; absent without upgrade-from. */
    upgrade?: UpgradeRun
  }
  checks: Check[]
  passed: boolean
  /** The build cache used, and why. */
  cache?: CacheSummary
  /** Changes against a previous report. */
  baseline?: BaselineComparison
  /** Present when a push (or a build of every platform) was due. */
  push?: PushResult
}

/**
 * One boot of the image on a fresh volume under the hardened profile: read-only
 * root, tmpfs /tmp and /run, no capabilities, no-new-privileges, as `user`.
 */
export interface HardenedRun {
  /** The uid:gid it was started as. */
  user: string
  /** Seconds from `docker start` to ready; absent when it never was. */
  readySeconds?: number
  /** Why it was not ready, with the log's last lines. */
  error?: string
  /** Its graceful stop, as `stop` above; absent when it never was ready. */
  stop?: { seconds: number; cleanDatabaseShutdown?: boolean }
}

/**
 * The upgrade check, in the order its steps run: the upgrade-from image
 * (pulled when the engine lacks it) boots on a fresh volume and gets ready,
 * a row is written; after its graceful stop this image boots on that
 * volume, gets ready, reads the row back, shows in its log that it ran the
 * migrate command (with one) and still answers its health check.
 */
export type UpgradeStep =
  'pull' | 'previous-ready' | 'marker-written' | 'ready' | 'marker-kept' | 'migrated' | 'healthy'

export interface UpgradeRun {
  /** The image upgraded from, as upgrade-from names it. */
  from: string
  /** Seconds from `docker start` of this image on the data `from` left to ready; absent when it never was. */
  readySeconds?: number
  /** This image ran the migrate command on that data; absent without one, or when a step before failed. */
  migrated?: boolean
  /** The step that failed and why, with the container's last log lines; absent when every step passed. */
  failed?: { step: UpgradeStep; reason: string }
}

export interface Check {
  /** Stable identifier: the budget input's name, or the runtime check's. */
  id: string
  /** Budgets can be made advisory (fail-on-budget: false); runtime checks cannot. */
  kind: 'budget' | 'runtime'
  title: string
  /** Human budget, e.g. "300.0 MB"; absent for pass/fail checks. */
  budget?: string
  actual: string
  passed: boolean
  /** Why it failed, e.g. "over by 12.3 MB (4.1%)". */
  detail?: string
}

export interface CacheSummary {
  /** What is used: a mode, or `custom` for raw cache-from / cache-to. */
  used: CacheMode | 'custom'
  /** One line: what was chosen and why. */
  message: string
  /** Requests that could not be honoured, each saying what was used instead. */
  warnings: string[]
}

/** How a figure is counted and shown: bytes in decimal units, memory in binary units, seconds. */
export type FigureUnit = 'bytes' | 'memory' | 'seconds'

export interface Delta {
  title: string
  unit: FigureUnit
  baseline: number
  current: number
  /** current - baseline, in the unit's base (bytes or seconds). */
  change: number
  /** Change relative to the baseline, in percent; absent when the baseline is 0. */
  percent?: number
}

export type BaselineComparison =
  | { source: string; deltas: Delta[] }
  /** No baseline: why, e.g. none saved for the base branch yet. */
  | { missing: string }

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
