import { execFileSync } from 'node:child_process'
import {
  dockerfileExecForm,
  dockerfileImage,
  dockerfilePath,
  dockerfileString,
  envName,
  EscapeError,
  nginxWord,
  pgConfName,
  pgConfString,
  pgIdentifier,
  shellQuote,
  wholeNumber,
  yamlString
} from '../../src/render/escape.js'

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

describe('dockerfileExecForm', () => {
  it('is a JSON array that holds any one-line command as it is', () => {
    const command = 'npm run build -- --define:X=$Y && echo "a\\" # not a comment'
    expect(JSON.parse(dockerfileExecForm(['/bin/sh', '-c', command]))).toEqual([
      '/bin/sh',
      '-c',
      command
    ])
  })
  it('refuses line breaks', () =>
    expect(() => dockerfileExecForm(['a\nRUN evil'])).toThrow(EscapeError))
})

describe('dockerfilePath', () => {
  it('passes plain paths only', () => {
    expect(dockerfilePath('/build/dist')).toBe('/build/dist')
    for (const bad of ['/a b', '/$HOME', '--from=x', '/a*', '/a\nRUN x', ''])
      expect(() => dockerfilePath(bad)).toThrow(EscapeError)
  })
})

describe('nginxWord', () => {
  it('passes paths and prefixes', () => {
    expect(nginxWord('/api/v1')).toBe('/api/v1')
    expect(nginxWord('/run/app/app.sock')).toBe('/run/app/app.sock')
  })
  it.each(['/a$uri', '/a;b', "/a'b", '/a"b', '/a{', '/a}', '/a b', '/a\tb', '/a#b', '/a\nb', ''])(
    'refuses %j, which nginx would read as syntax',
    bad => expect(() => nginxWord(bad)).toThrow(EscapeError)
  )
})

describe('pgConfName and envName', () => {
  it('pass names and refuse anything else', () => {
    expect(pgConfName('wal_level')).toBe('wal_level')
    expect(pgConfName('pg_stat_statements.track')).toBe('pg_stat_statements.track')
    for (const bad of ['Wal', 'a = 1', 'a\nb', 'a.b.c', ''])
      expect(() => pgConfName(bad)).toThrow(EscapeError)
    expect(envName('HIVE_API_PORT')).toBe('HIVE_API_PORT')
    for (const bad of ['1A', 'A B', 'A=B', 'A\nB', ''])
      expect(() => envName(bad)).toThrow(EscapeError)
  })
})

describe('wholeNumber', () => {
  it('writes whole numbers and refuses anything else', () => {
    expect(wholeNumber(0)).toBe('0')
    expect(wholeNumber(4250)).toBe('4250')
    for (const value of [1.5, -1, NaN, Infinity, 2 ** 53])
      expect(() => wholeNumber(value)).toThrow(EscapeError)
  })
})
