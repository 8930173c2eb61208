// The one table of defaults: the value of each field that neither the spec
// file nor an input sets, written as a user would write it, so that it goes
// through the same normalisation. Defaults derived from other fields (name,
// tags, database and role, a build stage's image) are in normalize.ts.
import type { RawSpec } from './types.js'

export const DEFAULTS = {
  context: '.',
  'base-image': 'debian:trixie-slim',
  'app-port': 8000,
  'health-path': '/health',
  'postgres-version': 17,
  'postgres-icu': 'slim',
  supervisor: 'supervisord',
  push: false,
  cache: 'auto',
  verify: true,
  'verify-hardened': true,
  'idle-settle': '10s',
  'fail-on-budget': true,
  'no-cache': false,
  pull: false
} as const satisfies RawSpec
