// dist/ is what runners and the `aio-image` command execute: it must be the
// bundle of src/ as committed.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { ROOT } from '../helpers/action-runner.js'
import { tempDir } from '../helpers/tmp.js'

// The entries of `npm run build`: the action's bundle and the CLI's.
const BUNDLES = [
  { entry: 'src/action/index.ts', dir: 'dist' },
  { entry: 'src/cli/bin.ts', dir: 'dist/cli' }
]

it.each(BUNDLES)(
  '$dir is up to date with src/ (run `npm run build` and commit dist/)',
  ({ entry, dir }) => {
    const out = tempDir('aio-dist-')
    execFileSync(
      path.join(ROOT, 'node_modules/.bin/ncc'),
      ['build', entry, '-o', out, '--license', 'licenses.txt', '--quiet'],
      { cwd: ROOT }
    )
    for (const file of ['index.js', 'licenses.txt']) {
      const fresh = fs.readFileSync(path.join(out, file), 'utf8')
      const committed = fs.readFileSync(path.join(ROOT, dir, file), 'utf8')
      expect(committed === fresh).toBe(true)
    }
  },
  180_000
)

it('the CLI bundle is an executable script', () => {
  const bin = path.join(ROOT, 'dist/cli/index.js')
  expect(fs.readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node')
  expect(fs.statSync(bin).mode & 0o111).not.toBe(0)
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
  expect(pkg.bin).toEqual({ 'aio-image': 'dist/cli/index.js' })
})
