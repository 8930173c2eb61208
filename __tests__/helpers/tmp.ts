import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'aio-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix))
}

/** Writes files (relative path -> content) under `dir`. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(dir, relative)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, content)
  }
}
