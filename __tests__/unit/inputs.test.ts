import fs from 'node:fs'
import path from 'node:path'
import YAML from 'yaml'
import { convertInput, InputError, readSpecInputs, SPEC_INPUTS } from '../../src/spec/inputs.js'
import { ACTION_ROOT, SCHEMA_FILE } from '../../src/paths.js'

const input = (name: string) => SPEC_INPUTS.find(candidate => candidate.name === name)!

describe('convertInput', () => {
  it('reads integers, booleans, lists and KEY=VALUE lists', () => {
    expect(convertInput(input('app-port'), '8080')).toBe(8080)
    expect(convertInput(input('verify'), 'false')).toBe(false)
    expect(convertInput(input('fail-on-budget'), 'True')).toBe(true)
    expect(convertInput(input('app-packages'), 'python3, python3-psycopg\nlibpq5')).toEqual([
      'python3',
      'python3-psycopg',
      'libpq5'
    ])
    expect(convertInput(input('run-env'), 'A=1,2\nB=x')).toEqual(['A=1,2', 'B=x'])
    expect(convertInput(input('postgres-settings'), 'wal_level=logical\nsearch_path=a,b')).toEqual([
      'wal_level=logical',
      'search_path=a,b'
    ])
    expect(convertInput(input('init-sql'), 'sql/a.sql, sql/b.sql')).toEqual([
      'sql/a.sql',
      'sql/b.sql'
    ])
    expect(convertInput(input('cache-from'), 'type=registry,ref=r/a:c\ntype=gha')).toEqual([
      'type=registry,ref=r/a:c',
      'type=gha'
    ])
    expect(convertInput(input('platforms'), 'linux/amd64,linux/arm64')).toEqual([
      'linux/amd64',
      'linux/arm64'
    ])
    expect(convertInput(input('push'), 'true')).toBe(true)
  })

  it('keeps postgres-version "none" as text and a major as a number', () => {
    expect(convertInput(input('postgres-version'), 'none')).toBe('none')
    expect(convertInput(input('postgres-version'), '17')).toBe(17)
  })

  it('names the input, the value and what is allowed', () => {
    expect(() => convertInput(input('app-port'), 'abc')).toThrow(InputError)
    expect(() => convertInput(input('app-port'), 'abc')).toThrow(
      'input `app-port`: "abc" is not allowed; expected an integer'
    )
    expect(() => convertInput(input('verify'), 'yes')).toThrow(
      'input `verify`: "yes" is not allowed; expected true or false'
    )
  })
})

describe('readSpecInputs', () => {
  it('returns only the inputs that were given', () => {
    const given: Record<string, string> = { 'app-command': 'run', 'app-port': '9000' }
    expect(readSpecInputs(name => given[name] ?? '')).toEqual({
      'app-command': 'run',
      'app-port': 9000
    })
  })
})

describe('action.yml and aio.yml', () => {
  const action = YAML.parse(fs.readFileSync(path.join(ACTION_ROOT, 'action.yml'), 'utf8'))
  const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8'))

  it('declare every spec input, in both', () => {
    for (const { name } of SPEC_INPUTS) {
      expect([name, name in action.inputs]).toEqual([name, true])
      expect([name, name in schema.properties]).toEqual([name, true])
    }
  })

  it('give no input a default, so that inputs never mask the spec file', () => {
    const withDefault = Object.entries(
      action.inputs as Record<string, { default?: unknown }>
    ).filter(([, input]) => 'default' in input)
    expect(withDefault).toEqual([])
  })
})
