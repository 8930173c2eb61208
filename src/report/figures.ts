// The one table of the figures a run reports: each one's title, unit and
// where it sits in the report, its step output and its budget when it has
// them, and whether a baseline compares it. The summaries, the outputs, the
// budgets and the baseline deltas all read this table.
import type { Budgets } from '../spec/types.js'
import { formatBytes, formatMemory } from '../spec/units.js'
import type { FigureUnit, Report } from './model.js'

export interface Figure {
  /** Also the name of the step output, for figures that have one. */
  id: string
  title: string
  unit: FigureUnit
  /** Absent when the run did not measure it (e.g. verify: false). */
  value(report: Report): number | undefined
  output?: true
  /** The budget on this figure: its spec field and its input. */
  budget?: { field: keyof Budgets; input: string }
  /** Compared with a baseline report. */
  compared?: true
}

export const FIGURES: readonly Figure[] = [
  {
    id: 'image-size',
    title: 'image size',
    unit: 'bytes',
    value: r => r.image.size,
    output: true,
    budget: { field: 'maxImageSize', input: 'max-image-size' },
    compared: true
  },
  {
    id: 'compressed-size',
    title: 'compressed size',
    unit: 'bytes',
    value: r => r.image.compressedSize,
    output: true,
    compared: true
  },
  {
    id: 'build-time',
    title: 'build time',
    unit: 'seconds',
    value: r => r.build.seconds,
    output: true
  },
  {
    id: 'startup-time',
    title: 'first boot to ready',
    unit: 'seconds',
    value: r => r.startup?.firstBoot,
    output: true,
    budget: { field: 'maxStartupTime', input: 'max-startup-time' },
    compared: true
  },
  {
    id: 'restart-time',
    title: 'restart to ready',
    unit: 'seconds',
    value: r => r.startup?.restart,
    output: true,
    compared: true
  },
  {
    id: 'upgrade-time',
    title: 'upgrade to ready',
    unit: 'seconds',
    value: r => r.runtime?.upgrade?.readySeconds,
    output: true,
    budget: { field: 'maxUpgradeTime', input: 'max-upgrade-time' },
    compared: true
  },
  {
    id: 'idle-memory-median',
    title: 'idle memory (median)',
    unit: 'memory',
    value: r => r.memory?.idle.median
  },
  {
    id: 'idle-memory',
    title: 'idle memory (max)',
    unit: 'memory',
    value: r => r.memory?.idle.max,
    output: true,
    budget: { field: 'maxIdleMemory', input: 'max-idle-memory' },
    compared: true
  },
  { id: 'graceful-stop', title: 'graceful stop', unit: 'seconds', value: r => r.stop?.seconds },
  { id: 'overhead', title: 'action overhead', unit: 'seconds', value: r => r.overhead.seconds }
]

/** A figure for people: sizes as `docker images` prints them, memory as `docker stats` does. */
export function formatFigure(unit: FigureUnit, value: number): string {
  switch (unit) {
    case 'bytes':
      return formatBytes(value)
    case 'memory':
      return formatMemory(value)
    case 'seconds':
      return `${value.toFixed(3)} s`
  }
}

/** A figure as a step output: whole bytes, or seconds with three decimals. */
export function outputValue(unit: FigureUnit, value: number): string {
  return unit === 'seconds' ? value.toFixed(3) : String(Math.round(value))
}

/** The title at the start of a sentence or a check row. */
export function sentenceCase(title: string): string {
  return title.charAt(0).toUpperCase() + title.slice(1)
}
