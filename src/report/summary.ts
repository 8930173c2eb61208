// What the summary shows, whatever renders it: the checks, the figures (from
// the one table in figures.ts), tags, the baseline comparison, the push and
// the build cache, then the folded tables. markdown.ts renders it as the job
// summary, text.ts for a terminal. Pure.
import { formatBytes, formatMemory } from '../spec/units.js'
import { FIGURES, formatFigure } from './figures.js'
import type { Delta, Report } from './model.js'

export function truncate(text: string, length: number): string {
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
  const format = (value: number) => formatFigure(delta.unit, value)
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
  const figures: SummaryCell[][] = FIGURES.flatMap(figure => {
    const value = figure.value(report)
    return value === undefined ? [] : [[figure.title, formatFigure(figure.unit, value)]]
  })
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

export const isTable = (block: SummaryTable | SummaryLine): block is SummaryTable => 'rows' in block
