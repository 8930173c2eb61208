import { execFileSync } from 'node:child_process'
import {
  dockerfileImage,
  dockerfileString,
  EscapeError,
  pgConfString,
  pgIdentifier,
  shellQuote,
  yamlString
} from '../../src/escape.js'

const HOSTILE = [
  "it's",
  '$(touch /tmp/pwned)',
  '`id`',
  '"; echo hi; "',
  '\\',
  '${HOME}',
  '%(ENV_X)s',
  'ünïcødé ✓',
  '*?[a]',
  '-n',
  'a'.repeat(5000)
]

describe('shellQuote', () => {
  it.each(HOSTILE)('sh reads %j back exactly', value => {
    const echoed = execFileSync('sh', ['-c', `printf '%s' ${shellQuote(value)}`]).toString()
    expect(echoed).toBe(value)
  })
  it('refuses NUL', () => expect(() => shellQuote('a\0b')).toThrow(EscapeError))
})

describe('dockerfileString', () => {
  it('escapes backslash, quote and dollar', () => {
    expect(dockerfileString('a"b$c\\d')).toBe('"a\\"b\\$c\\\\d"')
  })
  it('refuses line breaks', () => expect(() => dockerfileString('a\nRUN x')).toThrow(EscapeError))
})

describe('dockerfileImage', () => {
  it('accepts references and refuses anything else', () => {
    expect(dockerfileImage('debian:trixie-slim')).toBe('debian:trixie-slim')
    expect(dockerfileImage('localhost:5000/a/b:1.0@sha256:' + 'a'.repeat(64))).toMatch(/^localhost/)
    expect(() => dockerfileImage('debian AS x')).toThrow(EscapeError)
    expect(() => dockerfileImage('debian\nRUN x')).toThrow(EscapeError)
  })
})

describe('pgConfString', () => {
  it('doubles quotes and escapes backslashes', () =>
    expect(pgConfString("a'b\\c")).toBe("'a''b\\\\c'"))
  it('refuses line breaks', () =>
    expect(() => pgConfString('a\nlisten_addresses = *')).toThrow(EscapeError))
})

describe('pgIdentifier', () => {
  it('passes plain identifiers only', () => {
    expect(pgIdentifier('my_app2')).toBe('my_app2')
    for (const bad of ['My', 'a b', 'a"b', 'a\nb', '', 'x'.repeat(64)])
      expect(() => pgIdentifier(bad)).toThrow(EscapeError)
  })
})

describe('yamlString', () => {
  it('is a double-quoted YAML scalar', () => expect(yamlString('a: "b"')).toBe('"a: \\"b\\""'))
})
