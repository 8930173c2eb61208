// The JSON report (the machine-readable record of a run, and a later run's
// baseline) and the summary built from it, rendered as Markdown (the job
// summary) or plain-text tables (the CLI). Pure functions.
import type { BaselineComparison, Delta } from '../baseline/baseline.js'
import { describeFailure, failedChecks, type Check, type Figures } from '../judge/budgets.js'
import type { CachePlan } from '../build/cache.js'
import type { HistoryEntry, ProcessInfo } from '../engine/docker.js'
import type { PushResult } from '../publish/publish.js'
import type { Spec } from '../spec/spec.js'
import { formatBytes, formatMemory, formatSeconds } from '../spec/units.js'

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

function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text
}

function signed(text: string, value: number): string {
  return value > 0 ? `+${text}` : text
}

/** A table cell: plain text, code (an instruction, a command line) or a check's result. */
export type SummaryCell = string | { code: string } | { passed: boolean; detail?: string }

export interface SummaryTable {
  /** Tables with a title are secondary: folded in the job summary. */
  title?: string
  columns: string[]
  rows: SummaryCell[][]
}

/** A line of prose: text and code parts, and what kind of news it is. */
export interface SummaryLine {
  parts: Array<string | { code: string }>
  mark?: 'pushed' | 'failed' | 'skipped' | 'warning'
}

/**
 * What the summary shows, whatever renders it: the job summary (Markdown)
 * and the CLI's report on a terminal read the same tables and lines.
 */
export interface Summary {
  name: string
  passed: boolean
  /** Checks, figures, tags, the baseline comparison, the push and the build cache. */
  body: Array<SummaryTable | SummaryLine>
  /** Largest layers and, when verified, memory per process. */
  folded: SummaryTable[]
}

/** Text whose `backquoted` spans are code, as parts of a line. */
function codeSpans(text: string): SummaryLine['parts'] {
  return text
    .split('`')
    .map((part, i) => (i % 2 === 1 ? { code: part } : part))
    .filter(part => part !== '')
}

function deltaRow(delta: Delta): SummaryCell[] {
  const format = {
    bytes: formatBytes,
    memory: formatMemory,
    seconds: (value: number) => `${value.toFixed(3)} s`
  }[delta.unit]
  const percent =
    delta.percent === undefined ? '' : ` (${signed(`${delta.percent.toFixed(1)}%`, delta.percent)})`
  return [
    delta.title,
    format(delta.baseline),
    format(delta.current),
    `${signed(format(delta.change), delta.change)}${percent}`
  ]
}

function baselineBlocks(report: Report): Summary['body'] {
  const { baseline } = report
  if (!baseline) return []
  if ('missing' in baseline)
    return [{ parts: codeSpans(`No baseline to compare with: ${baseline.missing}.`) }]
  return [
    { parts: [`Compared with the baseline (${baseline.source}):`] },
    { columns: ['figure', 'baseline', 'this run', 'change'], rows: baseline.deltas.map(deltaRow) }
  ]
}

function pushBlocks(report: Report): Summary['body'] {
  const { push } = report
  if (!push) return []
  if (!push.pushed)
    return [{ parts: [push.reason ?? 'not pushed'], mark: push.failed ? 'failed' : 'skipped' }]
  const platforms = push.platforms.length > 0 ? ` for ${push.platforms.join(', ')}` : ''
  const tags = push.tags.flatMap(({ tag }, i) => [...(i > 0 ? [', '] : []), { code: tag }])
  return [
    {
      parts: [`Pushed${platforms}: `, ...tags, ' (digest ', { code: push.digest ?? '' }, ')'],
      mark: 'pushed'
    }
  ]
}

export function summaryOf(report: Report): Summary {
  const body: Summary['body'] = []
  if (report.checks.length > 0) {
    body.push({
      columns: ['check', 'budget', 'actual', 'result'],
      rows: report.checks.map(check => [
        check.title,
        check.budget ?? '',
        check.actual,
        { passed: check.passed, detail: check.detail }
      ])
    })
  }
  const figures: SummaryCell[][] = [
    ['image size', formatBytes(report.image.size)],
    ['compressed size', formatBytes(report.image.compressedSize)],
    ['build time', `${report.build.seconds.toFixed(3)} s`]
  ]
  if (report.startup) {
    figures.push(['first boot to ready', `${report.startup.firstBoot.toFixed(3)} s`])
    figures.push(['restart to ready', `${report.startup.restart.toFixed(3)} s`])
  }
  if (report.memory) {
    const { median, max } = report.memory.idle
    figures.push(['idle memory (median / max)', `${formatMemory(median)} / ${formatMemory(max)}`])
  }
  if (report.stop) figures.push(['graceful stop', `${formatSeconds(report.stop.seconds * 1000)} s`])
  figures.push(['action overhead', `${report.overhead.seconds.toFixed(3)} s`])
  body.push({ columns: ['figure', 'value'], rows: figures })
  body.push({
    parts: [
      'Tags: ',
      ...report.image.tags.flatMap((tag, i) => [...(i > 0 ? [', '] : []), { code: tag }])
    ]
  })
  body.push(...baselineBlocks(report), ...pushBlocks(report))
  if (report.cache) {
    body.push({ parts: [`Build cache: ${report.cache.message}`] })
    for (const warning of report.cache.warnings) body.push({ parts: [warning], mark: 'warning' })
  }

  const folded: SummaryTable[] = [
    {
      title: 'Largest layers',
      columns: ['size', 'instruction'],
      rows: report.image.largestLayers.map(layer => [
        formatBytes(layer.size),
        { code: truncate(layer.createdBy, 120) }
      ])
    }
  ]
  if (report.memory) {
    folded.push({
      title: 'Memory per process (RSS)',
      columns: ['RSS', 'uid', 'command'],
      rows: [...report.memory.processes]
        .sort((a, b) => b.rss - a.rss)
        .map(p => [formatMemory(p.rss), String(p.uid), { code: truncate(p.command, 100) }])
    })
  }
  return { name: report.name, passed: report.passed, body, folded }
}

const isTable = (block: SummaryTable | SummaryLine): block is SummaryTable => 'rows' in block

function markdownText(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/`/g, "'")
}

function markdownCell(value: SummaryCell): string {
  if (typeof value === 'string') return markdownText(value)
  if ('code' in value) return `\`${markdownText(value.code)}\``
  return markdownText(
    value.passed ? '✅ pass' : `❌ fail${value.detail ? `: ${value.detail}` : ''}`
  )
}

function markdownTable(table: SummaryTable): string[] {
  return [
    `| ${table.columns.join(' | ')} |`,
    `| ${table.columns.map(() => '---').join(' | ')} |`,
    ...table.rows.map(row => `| ${row.map(markdownCell).join(' | ')} |`)
  ]
}

const MARKDOWN_MARK: Record<NonNullable<SummaryLine['mark']>, string> = {
  pushed: '📦 ',
  failed: '❌ ',
  skipped: '⏭️ ',
  warning: '> ⚠️ '
}

function markdownLine(line: SummaryLine): string {
  const text = line.parts.map(markdownCell).join('')
  return `${line.mark ? MARKDOWN_MARK[line.mark] : ''}${text}`
}

/** The job summary: checks, figures, largest layers and per-process memory. */
export function summaryMarkdown(report: Report): string {
  const summary = summaryOf(report)
  const lines = [`## aio-image: ${summary.name} ${summary.passed ? '✅ passed' : '❌ failed'}`, '']
  for (const block of summary.body)
    lines.push(...(isTable(block) ? markdownTable(block) : [markdownLine(block)]), '')
  for (const table of summary.folded) {
    lines.push(`<details><summary>${table.title}</summary>`, '', ...markdownTable(table))
    lines.push('', '</details>', '')
  }
  return lines.join('\n')
}

/** Colours for the terminal rendering; identity functions give plain text. */
export interface TextStyle {
  bold(text: string): string
  dim(text: string): string
  good(text: string): string
  bad(text: string): string
  warn(text: string): string
}

export const PLAIN_STYLE: TextStyle = {
  bold: text => text,
  dim: text => text,
  good: text => text,
  bad: text => text,
  warn: text => text
}

function plainCell(value: SummaryCell): string {
  if (typeof value === 'string') return value
  if ('code' in value) return value.code
  return value.passed ? 'pass' : `FAIL${value.detail ? `: ${value.detail}` : ''}`
}

function textTable(table: SummaryTable, style: TextStyle, indent: string, width: number): string[] {
  const texts = table.rows.map(row => row.map(plainCell))
  const widths = table.columns.map((column, i) =>
    Math.max(column.length, ...texts.map(row => [...row[i]].length))
  )
  // Code in the last column (an instruction, a command) gives way so that rows do not wrap.
  const last = widths.length - 1
  const room = width - indent.length - widths.slice(0, last).reduce((sum, w) => sum + w + 2, 0)
  texts.forEach((row, r) => {
    const cell = table.rows[r][last]
    if (typeof cell === 'object' && 'code' in cell)
      row[last] = truncate(row[last], Math.max(room, 20))
  })
  // The last column is not padded: no trailing blanks.
  const line = (cells: string[], paint: (cell: string, i: number) => string) =>
    indent +
    cells
      .map((text, i) => paint(i === cells.length - 1 ? text : text.padEnd(widths[i]), i))
      .join('  ')
  return [
    line(table.columns, text => style.dim(text)),
    ...table.rows.map((row, r) =>
      line(texts[r], (text, i) => {
        const value = row[i]
        if (typeof value === 'object' && 'passed' in value)
          return value.passed ? style.good(text) : style.bad(text)
        return text
      })
    )
  ]
}

function textLine(line: SummaryLine, style: TextStyle): string {
  const text = line.parts.map(plainCell).join('')
  switch (line.mark) {
    case 'pushed':
      return style.good(text)
    case 'failed':
      return style.bad(`✖ ${text}`)
    case 'skipped':
      return style.dim(text)
    case 'warning':
      return style.warn(`! ${text}`)
    default:
      return text
  }
}

/** The same summary as plain-text tables for a terminal or a CI log, rows cut at `width` columns. */
export function summaryText(report: Report, style: TextStyle = PLAIN_STYLE, width = 120): string {
  const summary = summaryOf(report)
  const verdict = summary.passed ? style.good('passed') : style.bad('failed')
  const lines = [style.bold(`aio-image: ${summary.name} ${verdict}`), '']
  for (const block of summary.body)
    lines.push(
      ...(isTable(block) ? textTable(block, style, '', width) : [textLine(block, style)]),
      ''
    )
  for (const table of summary.folded) {
    lines.push(style.bold(table.title ?? ''), ...textTable(table, style, '  ', width), '')
  }
  return lines.join('\n')
}

/**
 * Why the run fails (failed runtime checks, budgets unless fail-on-budget is
 * false, a failed push) and what only warns: both front ends judge by it.
 */
export function verdict(
  report: Report,
  failOnBudget: boolean
): { failures: string[]; warnings: string[] } {
  const { fatal, advisory } = failedChecks(report.checks, failOnBudget)
  const failures = fatal.map(describeFailure)
  if (report.push?.failed) failures.push(report.push.reason ?? 'push failed')
  return { failures, warnings: advisory.map(describeFailure) }
}
