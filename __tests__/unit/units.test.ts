import {
  formatBytes,
  formatMemory,
  formatSeconds,
  parseDuration,
  parseSize
} from '../../src/spec/units.js'

describe('parseSize', () => {
  it.each([
    ['10B', 10],
    ['1kB', 1000],
    ['1KB', 1000],
    ['300MB', 300_000_000],
    ['1.5GB', 1_500_000_000],
    ['1KiB', 1024],
    ['64MiB', 64 * 1024 * 1024],
    ['2GiB', 2 * 1024 ** 3],
    [' 12.5 MiB ', Math.round(12.5 * 1024 * 1024)]
  ])('%s is %d bytes', (text, bytes) => expect(parseSize(text)).toBe(bytes))

  it.each(['', '10', 'MB', '10 mb', '10XB', '-1MB', '1e3MB', '10MB extra'])(
    '%j is not a size',
    text => expect(parseSize(text)).toBeUndefined()
  )
})

describe('parseDuration', () => {
  it.each([
    ['1500ms', 1500],
    ['2s', 2000],
    ['1.5m', 90_000],
    ['0.25s', 250]
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms))

  it.each(['2', '2h', 's', '2 sec'])('%j is not a duration', text =>
    expect(parseDuration(text)).toBeUndefined()
  )
})

describe('formatting', () => {
  it('formats decimal sizes as docker images does', () => {
    expect(formatBytes(999)).toBe('999 B')
    expect(formatBytes(186_298_915)).toBe('186.3 MB')
    expect(formatBytes(2_500_000_000)).toBe('2.5 GB')
  })
  it('formats memory in binary units as docker stats does', () => {
    expect(formatMemory(64 * 1024 * 1024)).toBe('64.0 MiB')
    expect(formatMemory(1536)).toBe('1.5 KiB')
  })
  it('formats seconds with three decimals', () => expect(formatSeconds(1234.5678)).toBe('1.235'))
})
