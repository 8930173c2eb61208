// The summary as plain-text tables for a terminal or a CI log, with
// colours when the front end hands in a style.
import type { Report } from './model.js'
import {
  isTable,
  summaryOf,
  truncate,
  type SummaryCell,
  type SummaryLine,
  type SummaryTable
} from './summary.js'

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
