// The figures of a report against the spec's budgets: one check per budget
// set, saying by how much a figure is over. Pure.
import { FIGURES, formatFigure, sentenceCase } from '../report/figures.js'
import type { Check, Report } from '../report/model.js'
import type { Budgets } from '../spec/types.js'

export function judgeBudgets(report: Report, budgets: Budgets): Check[] {
  const checks: Check[] = []
  for (const figure of FIGURES) {
    if (!figure.budget) continue
    const budget = budgets[figure.budget.field]
    // Budgets on boot figures need verify: true; the spec refuses them otherwise.
    const actual = figure.value(report)
    if (budget === undefined || actual === undefined) continue
    const format = (value: number) => formatFigure(figure.unit, value)
    const passed = actual <= budget
    const over = actual - budget
    checks.push({
      id: figure.budget.input,
      kind: 'budget',
      title: sentenceCase(figure.title),
      budget: format(budget),
      actual: format(actual),
      passed,
      detail: passed
        ? undefined
        : `over by ${format(over)} (${((over / budget) * 100).toFixed(1)}%)`
    })
  }
  return checks
}
