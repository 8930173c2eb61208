import path from 'node:path'
import { fileURLToPath } from 'node:url'

// src/*.ts and the bundled dist/index.js both sit one level below the action's
// root, so the same expression finds templates/ and schema/ from either.
export const ACTION_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const TEMPLATES_DIR = path.join(ACTION_ROOT, 'templates')
export const SCHEMA_FILE = path.join(ACTION_ROOT, 'schema', 'aio.schema.json')
