import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The package root: the nearest directory above this module that holds
 * schema/aio.schema.json. src/*.ts, the action's dist/index.js and the CLI's
 * dist/cli/index.js sit at different depths below it.
 */
function packageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'schema', 'aio.schema.json'))) return dir
    if (path.dirname(dir) === dir) throw new Error(`no schema/aio.schema.json above ${start}`)
  }
}

export const ACTION_ROOT = packageRoot(path.dirname(fileURLToPath(import.meta.url)))
export const TEMPLATES_DIR = path.join(ACTION_ROOT, 'templates')
export const SCHEMA_FILE = path.join(ACTION_ROOT, 'schema', 'aio.schema.json')
