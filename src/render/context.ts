// Copies the user's build context into the rendered directory's app/ so that
// one build context holds both the generated files and the app. The engine
// here (BuildKit 0.8) has no named build contexts, so this is what works on
// every engine. Files are hard-linked when possible: no bytes are copied.
import fs from 'node:fs'
import path from 'node:path'
import dockerignore from '@balena/dockerignore'

/** .dockerignore rules of a context, with Docker's matching semantics. */
function readIgnoreRules(contextDir: string): {
  ignores: (relative: string) => boolean
  hasExceptions: boolean
} {
  const file = path.join(contextDir, '.dockerignore')
  const lines = fs.existsSync(file)
    ? fs
        .readFileSync(file, 'utf8')
        .split(/\r?\n/)
        .map(line => line.trim())
        .filter(line => line !== '' && !line.startsWith('#'))
    : []
  // A CommonJS module whose typings declare a default export: `.default` is the factory.
  const rules = dockerignore.default().add(lines)
  return {
    ignores: relative => rules.ignores(relative),
    hasExceptions: lines.some(line => line.startsWith('!'))
  }
}

async function linkOrCopy(source: string, target: string): Promise<void> {
  try {
    await fs.promises.link(source, target)
  } catch {
    await fs.promises.copyFile(source, target)
  }
}

/**
 * Copies `contextDir` to `targetDir`, leaving out what .dockerignore excludes
 * and any of `skip` (the rendered directory itself may live inside the context).
 */
export async function copyContext(
  contextDir: string,
  targetRoot: string,
  skip: readonly string[]
): Promise<number> {
  const rules = readIgnoreRules(contextDir)
  const skipped = new Set(skip.map(dir => path.resolve(dir)))
  let copied = 0
  // Directories are made on demand: one left empty only by exclusions (or
  // holding only the rendered directory) does not appear; an empty one does.
  const walk = async (relativeDir: string): Promise<void> => {
    const sourceDir = path.join(contextDir, relativeDir)
    const entries = await fs.promises.readdir(sourceDir, { withFileTypes: true })
    const targetDir = path.join(targetRoot, relativeDir)
    const ensureDir = () => fs.promises.mkdir(targetDir, { recursive: true })
    if (entries.length === 0) await ensureDir()
    for (const entry of entries) {
      const relative = path.posix.join(relativeDir.split(path.sep).join('/'), entry.name)
      const source = path.join(sourceDir, entry.name)
      if (skipped.has(source)) continue
      const ignored = rules.ignores(relative)
      const target = path.join(targetRoot, relative)
      if (entry.isDirectory()) {
        // An ignored directory may still hold files re-included by a "!" rule.
        if (!ignored || rules.hasExceptions) await walk(relative)
      } else if (ignored) {
        continue
      } else if (entry.isSymbolicLink()) {
        await ensureDir()
        await fs.promises.symlink(await fs.promises.readlink(source), target)
        copied++
      } else if (entry.isFile()) {
        await ensureDir()
        await linkOrCopy(source, target)
        copied++
      }
    }
  }
  await fs.promises.mkdir(targetRoot, { recursive: true })
  await walk('')
  return copied
}
