// The JSON report (the machine-readable record of a run, and a later run's
// baseline) and the Markdown summary built from it. Pure functions.
import type { BaselineComparison, Delta } from './baseline.js'
import type { Check, Figures } from './budgets.js'
import type { CachePlan } from './cache.js'
import type { HistoryEntry, ProcessInfo } from './docker.js'
import type { PushResult } from './publish.js'
import type { Spec } from './spec.js'
import { formatBytes, formatMemory, formatSeconds } from './units.js'

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
  stop?: { seconds: number; cleanDatabaseShutdown?: boolean }
  checks: Check[]
  passed: boolean
  /** The build cache used, and why. */
  cache?: Pick<CachePlan, 'used' | 'message' | 'warnings'>
  /** Changes against a previous report. */
  baseline?: BaselineComparison
  /** Present when a push (or a build of every platform) was due. */
  push?: PushResult
}

export interface ReportInput {
  spec: Spec
  imageId: string
  figures: Figures
  layers: HistoryEntry[]
  idleSamples?: number[]
  processes?: ProcessInfo[]
  checks: Check[]
}

const LARGEST_LAYERS = 5

export function buildReport(input: ReportInput): Report {
  const { spec, figures } = input
  const verified = figures.startupMs !== undefined && figures.restartMs !== undefined
  return {
    version: REPORT_VERSION,
    name: spec.name,
    image: {
      id: input.imageId,
      tags: spec.tags,
      size: figures.imageSize,
      compressedSize: figures.compressedSize,
      largestLayers: input.layers
        .slice(0, LARGEST_LAYERS)
        .map(layer => ({ size: layer.size, createdBy: instruction(layer.createdBy) }))
    },
    build: { seconds: round3(figures.buildSeconds) },
    overhead: { seconds: round3(figures.overheadSeconds) },
    startup: verified
      ? { firstBoot: round3(figures.startupMs! / 1000), restart: round3(figures.restartMs! / 1000) }
      : undefined,
    memory:
      verified && input.idleSamples && input.processes
        ? {
            idle: {
              median: figures.idleMemoryMedian!,
              max: figures.idleMemoryMax!,
              samples: input.idleSamples
            },
            processes: input.processes.map(p => ({
              command: p.command,
              uid: p.uid,
              rss: p.rssBytes
            }))
          }
        : undefined,
    stop:
      figures.stopSeconds === undefined
        ? undefined
        : {
            seconds: round3(figures.stopSeconds),
            cleanDatabaseShutdown: figures.cleanDatabaseShutdown === true
          },
    checks: input.checks,
    passed: input.checks.every(check => check.passed)
  }
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000
}

/** `docker history`'s CreatedBy as the Dockerfile instruction that made the layer. */
export function instruction(createdBy: string): string {
  if (createdBy.trim() === '') return '(base image)'
  return createdBy
    .replace(/^\/bin\/sh -c #\(nop\)\s*/, '')
    .replace(/^(RUN )?\/bin\/sh -c /, 'RUN ')
    .replace(/\s*# buildkit$/, '')
    .replace(/\s+/g, ' ')
    .trim()
}

function signed(text: string, value: number): string {
  return value > 0 ? `+${text}` : text
}

function formatDelta(delta: Delta): string {
  const format = {
    bytes: formatBytes,
    memory: formatMemory,
    seconds: (value: number) => `${value.toFixed(3)} s`
  }[delta.unit]
  const percent =
    delta.percent === undefined ? '' : ` (${signed(`${delta.percent.toFixed(1)}%`, delta.percent)})`
  return [
    format(delta.baseline),
    format(delta.current),
    `${signed(format(delta.change), delta.change)}${percent}`
  ].join(' | ')
}

function baselineLines(report: Report): string[] {
  const { baseline } = report
  if (!baseline) return []
  if ('missing' in baseline) return [`No baseline to compare with: ${baseline.missing}.`, '']
  return [
    `Compared with the baseline (${cell(baseline.source)}):`,
    '',
    '| figure | baseline | this run | change |',
    '| --- | --- | --- | --- |',
    ...baseline.deltas.map(delta => `| ${delta.title} | ${formatDelta(delta)} |`),
    ''
  ]
}

function pushLines(report: Report): string[] {
  const { push } = report
  if (!push) return []
  if (!push.pushed) return [`${push.failed ? '❌' : '⏭️'} ${cell(push.reason ?? 'not pushed')}`, '']
  const platforms = push.platforms.length > 0 ? ` for ${push.platforms.join(', ')}` : ''
  return [
    `📦 Pushed${platforms}: ${push.tags.map(({ tag }) => `\`${tag}\``).join(', ')} (digest \`${push.digest}\`)`,
    ''
  ]
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/`/g, "'")
}

function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text
}

/** The job summary: checks, figures, largest layers and per-process memory. */
export function summaryMarkdown(report: Report): string {
  const lines: string[] = []
  const verdict = report.passed ? '✅ passed' : '❌ failed'
  lines.push(`## aio-image: ${report.name} ${verdict}`, '')
  if (report.checks.length > 0) {
    lines.push('| check | budget | actual | result |', '| --- | --- | --- | --- |')
    for (const check of report.checks) {
      const result = check.passed ? '✅ pass' : `❌ fail${check.detail ? `: ${check.detail}` : ''}`
      lines.push(
        `| ${cell(check.title)} | ${cell(check.budget ?? '')} | ${cell(check.actual)} | ${cell(result)} |`
      )
    }
    lines.push('')
  }
  lines.push('| figure | value |', '| --- | --- |')
  lines.push(`| image size | ${formatBytes(report.image.size)} |`)
  lines.push(`| compressed size | ${formatBytes(report.image.compressedSize)} |`)
  lines.push(`| build time | ${report.build.seconds.toFixed(3)} s |`)
  if (report.startup) {
    lines.push(`| first boot to ready | ${report.startup.firstBoot.toFixed(3)} s |`)
    lines.push(`| restart to ready | ${report.startup.restart.toFixed(3)} s |`)
  }
  if (report.memory) {
    lines.push(
      `| idle memory (median / max) | ${formatMemory(report.memory.idle.median)} / ${formatMemory(report.memory.idle.max)} |`
    )
  }
  if (report.stop) lines.push(`| graceful stop | ${formatSeconds(report.stop.seconds * 1000)} s |`)
  lines.push(`| action overhead | ${report.overhead.seconds.toFixed(3)} s |`)
  lines.push('', `Tags: ${report.image.tags.map(tag => `\`${tag}\``).join(', ')}`, '')
  lines.push(...baselineLines(report), ...pushLines(report))
  if (report.cache) {
    lines.push(`Build cache: ${report.cache.message}`, '')
    for (const warning of report.cache.warnings) lines.push(`> ⚠️ ${warning}`, '')
  }

  lines.push(
    '<details><summary>Largest layers</summary>',
    '',
    '| size | instruction |',
    '| --- | --- |'
  )
  for (const layer of report.image.largestLayers) {
    lines.push(`| ${formatBytes(layer.size)} | \`${cell(truncate(layer.createdBy, 120))}\` |`)
  }
  lines.push('', '</details>', '')
  if (report.memory) {
    lines.push(
      '<details><summary>Memory per process (RSS)</summary>',
      '',
      '| RSS | uid | command |',
      '| --- | --- | --- |'
    )
    for (const process of [...report.memory.processes].sort((a, b) => b.rss - a.rss)) {
      lines.push(
        `| ${formatMemory(process.rss)} | ${process.uid} | \`${cell(truncate(process.command, 100))}\` |`
      )
    }
    lines.push('', '</details>', '')
  }
  return lines.join('\n')
}
