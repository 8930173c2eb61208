// The summary as GitHub-flavoured Markdown: the job summary and the
// pull-request comment.
import type { Report } from './model.js'
import {
  isTable,
  summaryOf,
  type SummaryCell,
  type SummaryLine,
  type SummaryTable
} from './summary.js'

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
