// Sizes and durations as the contract spells them: decimal units as
// `docker images` prints them, binary units as `docker stats` prints them.

const SIZE_UNITS: Record<string, number> = {
  B: 1,
  kB: 1000,
  KB: 1000,
  MB: 1000 ** 2,
  GB: 1000 ** 3,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 }

export const SIZE_ALLOWED =
  'a number with a unit: B, kB, KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024), e.g. 300MB'
export const DURATION_ALLOWED = 'a number with a unit: ms, s or m, e.g. 1500ms, 2s, 1.5m'

const QUANTITY = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$/

function parseQuantity(text: string, units: Record<string, number>): number | undefined {
  const match = QUANTITY.exec(text)
  if (!match) return undefined
  const factor = units[match[2]]
  if (factor === undefined) return undefined
  return Number(match[1]) * factor
}

/** Bytes, or undefined when `text` is not a size with one of the allowed units. */
export function parseSize(text: string): number | undefined {
  const bytes = parseQuantity(text, SIZE_UNITS)
  return bytes === undefined ? undefined : Math.round(bytes)
}

/** Milliseconds, or undefined when `text` is not a duration with an allowed unit. */
export function parseDuration(text: string): number | undefined {
  return parseQuantity(text, DURATION_UNITS)
}

/** Human size in decimal units, as `docker images` shows sizes. */
export function formatBytes(bytes: number): string {
  const abs = Math.abs(bytes)
  if (abs < 1000) return `${bytes} B`
  for (const [unit, factor] of [
    ['GB', 1000 ** 3],
    ['MB', 1000 ** 2],
    ['kB', 1000]
  ] as const) {
    if (abs >= factor) return `${(bytes / factor).toFixed(1)} ${unit}`
  }
  return `${bytes} B`
}

/** Human memory in binary units, as `docker stats` shows memory. */
export function formatMemory(bytes: number): string {
  const abs = Math.abs(bytes)
  if (abs >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`
  if (abs >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`
  if (abs >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`
  return `${bytes} B`
}

/** Seconds with three decimals, the unit of every time output. */
export function formatSeconds(ms: number): string {
  return (ms / 1000).toFixed(3)
}
