// dist/ is what runners execute: it must be the bundle of src/ as committed.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { ROOT } from '../helpers/action-runner.js'
import { tempDir } from '../helpers/tmp.js'

it('dist/ is up to date with src/ (run `npm run build` and commit dist/)', () => {
  const out = tempDir('aio-dist-')
  execFileSync(
    path.join(ROOT, 'node_modules/.bin/ncc'),
    ['build', 'src/index.ts', '-o', out, '--license', 'licenses.txt', '--quiet'],
    { cwd: ROOT }
  )
  for (const file of ['index.js', 'licenses.txt']) {
    const fresh = fs.readFileSync(path.join(out, file), 'utf8')
    const committed = fs.readFileSync(path.join(ROOT, 'dist', file), 'utf8')
    expect(committed === fresh).toBe(true)
  }
}, 180_000)
