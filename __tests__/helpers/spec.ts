import { resolveSpec } from '../../src/spec/load.js'
import { type Spec } from '../../src/spec/types.js'

/** A valid Spec for unit tests: the minimal inputs plus any overrides (as inputs). */
export function testSpec(inputs: Record<string, unknown> = {}): Spec {
  return resolveSpec({
    inputs: { name: 'demo', 'app-command': 'python3 -m http.server 8000', ...inputs },
    workingDir: process.cwd(),
    defaultName: 'demo'
  })
}
