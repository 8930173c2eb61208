// The project's own static checks, so that CI's count includes them.
import { spawnSync } from 'node:child_process'
import { ROOT } from '../helpers/action-runner.js'

function check(tool: string, args: string[]): void {
  const result = spawnSync(`${ROOT}/node_modules/.bin/${tool}`, args, {
    cwd: ROOT,
    encoding: 'utf8'
  })
  if (result.status !== 0)
    throw new Error(`${tool} ${args.join(' ')}:\n${result.stdout}${result.stderr}`)
}

it('type-checks', () => check('tsc', ['--noEmit']), 120_000)
it('passes ESLint', () => check('eslint', ['.']), 120_000)
it('is formatted with Prettier', () => check('prettier', ['--check', '.']), 60_000)
