// Where a path from the spec may lead. The spec file is repository content,
// which a pull request may change, while the action runs on a machine with
// credentials (~/.docker/config.json, the runner's files): a path in it that
// left the project would bake that file into the image (init-sql is also
// printed into the log when PostgreSQL rejects it).
import fs from 'node:fs'
import path from 'node:path'
import { SpecError } from './types.js'

/** The directory a field's paths must stay inside, symlinks resolved. */
export interface PathBoundary {
  dir: string
  /** How messages name `dir`, e.g. "the working directory". */
  name: string
  /**
   * Inputs and flags are written by whoever runs the step or the command,
   * who can read any file on the machine anyway: they may name a place
   * outside `dir` (a temporary directory, the runner's CA bundle). What lies
   * inside `dir` is the checkout, though, and no symlink in it may lead out.
   */
  mayNameOutside: boolean
}

/** Whether `target` is `dir` or below it; both absolute. */
function isInside(target: string, dir: string): boolean {
  const relative = path.relative(dir, target)
  return relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative)
}

/**
 * The boundary of the spec file's paths: the working directory (in the
 * action the checkout, GITHUB_WORKSPACE) when it holds the spec file, so
 * that a monorepo's deploy/aio.yml may use `context: ..`; else, as for
 * `aio-image -c ~/project/aio.yml` run from elsewhere, the file's directory.
 */
export function specFileBoundary(specFile: string, workingDir: string): PathBoundary {
  const specDir = realPath(path.dirname(path.resolve(workingDir, specFile)))
  const workingRoot = realPath(workingDir)
  return isInside(specDir, workingRoot)
    ? { dir: workingRoot, name: 'the working directory', mayNameOutside: false }
    : { dir: specDir, name: "the spec file's directory", mayNameOutside: false }
}

/** The boundary of the inputs' and flags' paths; see mayNameOutside. */
export function inputBoundary(workingDir: string): PathBoundary {
  return { dir: workingDir, name: 'the working directory', mayNameOutside: true }
}

function realPath(file: string): string {
  return fs.realpathSync.native(file)
}

/**
 * `value` resolved against `baseDir`, with its symlinks resolved: the path
 * that is then read, so that what was checked is what gets copied. Throws a
 * SpecError naming the field, the value, where it led and what is allowed,
 * unless it is a `kind` inside `boundary`.
 */
export function containedPath(
  value: string,
  baseDir: string,
  kind: 'directory' | 'file',
  boundary: PathBoundary,
  describeField: string
): string {
  // From the real base, as the system resolves `..` below a symlinked directory.
  const resolved = path.resolve(realPath(baseDir), value)
  const boundaryDir = realPath(boundary.dir)
  const fail = (problem: string): never => {
    throw new SpecError([`${describeField}: ${JSON.stringify(value)} ${problem}`])
  }
  const allowed = `expected a ${kind} inside ${boundary.name}, ${boundaryDir}`
  const namedInside = isInside(resolved, boundaryDir)
  if (!namedInside && !boundary.mayNameOutside)
    fail(`resolves to ${resolved}, outside ${boundary.name}; ${allowed}`)
  const stat = fs.statSync(resolved, { throwIfNoEntry: false })
  if (!(kind === 'directory' ? stat?.isDirectory() : stat?.isFile()))
    fail(`is not a ${kind} (resolved to ${resolved})`)
  const real = realPath(resolved)
  if (namedInside && !isInside(real, boundaryDir))
    fail(`leads through a symlink to ${real}, outside ${boundary.name}; ${allowed}`)
  return real
}
