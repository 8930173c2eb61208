import { resolveSpec } from '../../src/spec/load.js'
import { SpecError, type Spec } from '../../src/spec/types.js'

/** A valid Spec for unit tests: the minimal inputs plus any overrides (as inputs). */
export function testSpec(inputs: Record<string, unknown> = {}): Spec {
  return resolveSpec({
    inputs: { name: 'demo', 'app-command': 'python3 -m http.server 8000', ...inputs },
    workingDir: process.cwd(),
    defaultName: 'demo'
  })
}

/** The problems of the SpecError that `run` throws; fails the test when it throws none. */
export function specProblems(run: () => unknown): string[] {
  try {
    run()
  } catch (error) {
    if (error instanceof SpecError) return error.problems
    throw error
  }
  throw new Error('expected a SpecError')
}
