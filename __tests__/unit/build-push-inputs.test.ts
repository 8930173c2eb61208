// The inputs that follow docker/build-push-action (labels, annotations,
// provenance, sbom, no-cache, pull, add-hosts) from their text to the Spec,
// the problems a bad value gives, and tags lower-cased as
// docker/metadata-action lower-cases image names.
import { readSpecInputs } from '../../src/spec/inputs.js'
import { resolveSpec } from '../../src/spec/load.js'
import { lowerCaseRepository } from '../../src/spec/normalize.js'
import type { Spec } from '../../src/spec/types.js'
import { specProblems } from '../helpers/spec.js'

/** The Spec from action inputs as text, the way the step receives them. */
function specFromInputs(given: Record<string, string>): Spec {
  return resolveSpec({
    inputs: readSpecInputs(name => ({ 'app-command': 'run', ...given })[name] ?? ''),
    workingDir: process.cwd(),
    defaultName: 'demo'
  })
}

function problemsOf(given: Record<string, string>): string[] {
  return specProblems(() => specFromInputs(given))
}

// docker/metadata-action's `labels` and `annotations` outputs, as it writes them.
const METADATA_LABELS = [
  'org.opencontainers.image.created=2025-05-01T10:00:00.000Z',
  'org.opencontainers.image.description=',
  'org.opencontainers.image.licenses=MIT',
  'org.opencontainers.image.revision=860c1904a1ce19322e91ac35af1ab07466440c37',
  'org.opencontainers.image.source=https://github.com/Acme/notes',
  'org.opencontainers.image.title=notes',
  'org.opencontainers.image.url=https://github.com/Acme/notes',
  'org.opencontainers.image.version=pr-12, a build'
].join('\n')
const METADATA_ANNOTATIONS = [
  'manifest:org.opencontainers.image.created=2025-05-01T10:00:00.000Z',
  'manifest:org.opencontainers.image.description=Notes, on PostgreSQL',
  'index,manifest-descriptor:org.opencontainers.image.version=1.2'
].join('\n')

describe("docker/build-push-action's inputs", () => {
  it('has none set by default: buildx does what it always does', () => {
    expect(specFromInputs({}).buildPush).toEqual({
      labels: {},
      annotations: [],
      provenance: undefined,
      sbom: undefined,
      noCache: false,
      pull: false,
      addHosts: [],
      secrets: [],
      ssh: []
    })
  })

  it("reads metadata-action's labels and annotations, one a line, commas and empty values kept", () => {
    const { buildPush } = specFromInputs({
      labels: METADATA_LABELS,
      annotations: METADATA_ANNOTATIONS
    })
    expect(buildPush.labels).toMatchObject({
      'org.opencontainers.image.description': '',
      'org.opencontainers.image.version': 'pr-12, a build',
      'org.opencontainers.image.source': 'https://github.com/Acme/notes'
    })
    expect(Object.keys(buildPush.labels)).toHaveLength(8)
    expect(buildPush.annotations).toEqual(METADATA_ANNOTATIONS.split('\n'))
  })

  it('takes provenance and sbom as booleans or attributes, and the rest as build-push-action does', () => {
    const spec = specFromInputs({
      provenance: 'mode=max',
      sbom: 'true',
      'no-cache': 'true',
      pull: 'TRUE',
      'add-hosts': 'docker:10.180.0.1, gw:host-gateway\nv6:fd00::1'
    })
    expect(spec.buildPush).toMatchObject({
      provenance: 'mode=max',
      sbom: 'true',
      noCache: true,
      pull: true,
      addHosts: ['docker:10.180.0.1', 'gw:host-gateway', 'v6:fd00::1']
    })
    expect(specFromInputs({ provenance: 'False' }).buildPush.provenance).toBe('False')
  })

  it('takes them from aio.yml too, as YAML types', () => {
    const spec = resolveSpec({
      inputs: {
        'app-command': 'run',
        labels: { 'com.example.team': 'notes', 'com.example.tier': 2 },
        provenance: false,
        sbom: true
      },
      workingDir: process.cwd(),
      defaultName: 'demo'
    })
    expect(spec.buildPush).toMatchObject({
      labels: { 'com.example.team': 'notes', 'com.example.tier': '2' },
      provenance: 'false',
      sbom: 'true'
    })
  })

  it('refuses a bad value before anything is built, naming the input, the value and what is allowed', () => {
    expect(problemsOf({ labels: 'no equals sign' })[0]).toMatch(
      /^input `labels`: \["no equals sign"\] is not allowed; expected KEY=VALUE image labels/
    )
    expect(problemsOf({ annotations: 'manifest:' })[0]).toMatch(
      /^input `annotations`: annotations\[0\] "manifest:" is not allowed; expected KEY=VALUE OCI annotations/
    )
    expect(problemsOf({ provenance: 'max' })).toEqual([
      'input `provenance`: "max" is not allowed; expected a provenance attestation pushed with the image: true, false, or buildx\'s attributes such as mode=max (as docker/build-push-action\'s provenance)'
    ])
    expect(problemsOf({ sbom: 'yes' })[0]).toMatch(
      /^input `sbom`: "yes" is not allowed; expected an SBOM attestation/
    )
    expect(problemsOf({ 'add-hosts': 'docker=10.180.0.1,nohost' })).toEqual([
      'input `add-hosts`: add-hosts[1] "nohost" is not allowed; expected host:ip mappings added to /etc/hosts while building, e.g. docker:10.180.0.1 (an IPv4 or IPv6 address, or host-gateway)'
    ])
    expect(() => specFromInputs({ 'no-cache': 'yes' })).toThrow(
      'input `no-cache`: "yes" is not allowed; expected true or false'
    )
    expect(() => specFromInputs({ pull: 'always' })).toThrow(
      'input `pull`: "always" is not allowed; expected true or false'
    )
  })
})

describe('tags with capital letters (a GitHub owner in ghcr.io/${{ github.repository }})', () => {
  it('lower-cases the repository, not the registry host or the tag', () => {
    expect(lowerCaseRepository('ghcr.io/Acme/Notes:V1.2')).toBe('ghcr.io/acme/notes:V1.2')
    expect(lowerCaseRepository('Registry.Example:5000/Team/App')).toBe(
      'Registry.Example:5000/team/app'
    )
    expect(lowerCaseRepository('localhost/My-App:PR-3')).toBe('localhost/my-app:PR-3')
    expect(lowerCaseRepository('Acme/App:Latest')).toBe('acme/app:Latest')
    expect(lowerCaseRepository('notes')).toBe('notes')
  })

  it('accepts them as tags and builds them lower-cased; other bad tags are still refused', () => {
    expect(
      specFromInputs({ tags: 'ghcr.io/Acme/Notes:1.2\nghcr.io/Acme/Notes:Latest' }).tags
    ).toEqual(['ghcr.io/acme/notes:1.2', 'ghcr.io/acme/notes:Latest'])
    expect(problemsOf({ tags: 'ghcr.io/Acme/No tes:1' })[0]).toMatch(
      /^input `tags`: tags\[0\] "ghcr.io\/Acme\/No tes:1" is not allowed; expected image references/
    )
  })
})
