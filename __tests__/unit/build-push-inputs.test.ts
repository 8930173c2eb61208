// The inputs that follow docker/build-push-action (labels, annotations,
// provenance, sbom, no-cache, pull, add-hosts, secrets, secret-files,
// secret-envs, ssh, network) from their text to the Spec, the problems a bad
// value gives, and tags lower-cased as docker/metadata-action lower-cases
// image names.
import fs from 'node:fs'
import path from 'node:path'
import { readSpecInputs } from '../../src/spec/inputs.js'
import { readSpecFile, resolveSpec, resolveSpecs } from '../../src/spec/load.js'
import { lowerCaseRepository } from '../../src/spec/normalize.js'
import type { Spec } from '../../src/spec/types.js'
import { specProblems } from '../helpers/spec.js'
import { tempDir, writeFiles } from '../helpers/tmp.js'

/**
 * The Spec from action inputs as text, the way the step receives them:
 * trimmed, as core.getInput trims, unless asked not to.
 */
function specFromInputs(given: Record<string, string>, workingDir = process.cwd()): Spec {
  const inputs: Record<string, string> = { 'app-command': 'run', ...given }
  return resolveSpec({
    inputs: readSpecInputs((name, { trimWhitespace }) =>
      trimWhitespace ? (inputs[name] ?? '').trim() : (inputs[name] ?? '')
    ),
    workingDir,
    defaultName: 'demo'
  })
}

function problemsOf(given: Record<string, string>, workingDir?: string): string[] {
  return specProblems(() => specFromInputs(given, workingDir))
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
      ssh: [],
      network: undefined
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

describe('build secrets, ssh and network', () => {
  let dir: string
  beforeEach(() => {
    dir = tempDir('aio-secrets-')
    writeFiles(dir, { 'pip.conf': '[global]\nindex-url = https://u:p@pypi.example/simple\n' })
  })
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

  it("reads secrets as build-push-action does: '=' and quoted lines in a value, its spaces kept", () => {
    // build-push-action's own test case (__tests__/context.test.ts), and a value with spaces.
    const secrets = [
      'GIT_AUTH_TOKEN=abcdefghi,jklmno=0123456789',
      '"MYSECRET=aaaaaaaa',
      'bbbbbbb',
      'ccccccccc"',
      'FOO=bar',
      '"EMPTYLINE=aaaa',
      '',
      'bbbb',
      'ccc"',
      'SPACED= two words '
    ].join('\n')
    expect(specFromInputs({ secrets: `${secrets}\n` }).buildPush.secrets).toEqual([
      { id: 'GIT_AUTH_TOKEN', source: { kind: 'value', value: 'abcdefghi,jklmno=0123456789' } },
      { id: 'MYSECRET', source: { kind: 'value', value: 'aaaaaaaa\nbbbbbbb\nccccccccc' } },
      { id: 'FOO', source: { kind: 'value', value: 'bar' } },
      { id: 'EMPTYLINE', source: { kind: 'value', value: 'aaaa\n\nbbbb\nccc' } },
      { id: 'SPACED', source: { kind: 'value', value: ' two words ' } }
    ])
  })

  it('reads secret-files (paths from the working directory) and secret-envs (commas too) after secrets', () => {
    const { buildPush } = specFromInputs(
      {
        secrets: 'NPM_TOKEN=t0k3n',
        'secret-files': 'PIP_CONFIG_FILE=pip.conf',
        'secret-envs': 'UV_INDEX_URL=PRIVATE_INDEX, PIP_INDEX_URL=PRIVATE_INDEX'
      },
      dir
    )
    expect(buildPush.secrets).toEqual([
      { id: 'NPM_TOKEN', source: { kind: 'value', value: 't0k3n' } },
      {
        id: 'PIP_CONFIG_FILE',
        source: { kind: 'file', value: fs.realpathSync(path.join(dir, 'pip.conf')) }
      },
      { id: 'UV_INDEX_URL', source: { kind: 'env', value: 'PRIVATE_INDEX' } },
      { id: 'PIP_INDEX_URL', source: { kind: 'env', value: 'PRIVATE_INDEX' } }
    ])
  })

  it('reads ssh as a list (a quoted entry keeps its paths) and network as text', () => {
    const { buildPush } = specFromInputs({
      ssh: 'default\n"github=/keys/a,/keys/b", gitlab=/run/agent.sock',
      network: 'host'
    })
    expect(buildPush.ssh).toEqual(['default', 'github=/keys/a,/keys/b', 'gitlab=/run/agent.sock'])
    expect(buildPush.network).toBe('host')
    expect(specFromInputs({ network: 'none' }).buildPush.network).toBe('none')
  })

  it('refuses an id that is no environment variable name, naming the input, the id and what is allowed', () => {
    expect(problemsOf({ secrets: 'npm-token=t0k3n' })).toEqual([
      'input `secrets`: the secret id "npm-token" is not allowed; expected an environment variable name (letters, digits and \'_\', not starting with a digit), the variable the dependency install steps see the secret as'
    ])
    expect(problemsOf({ 'secret-envs': '1PASSWORD=OP_TOKEN' })[0]).toMatch(
      /^input `secret-envs`: the secret id "1PASSWORD" is not allowed; expected an environment variable name/
    )
    expect(problemsOf({ 'secret-envs': 'NPM_TOKEN=npm-token' })).toEqual([
      'input `secret-envs`: the secret NPM_TOKEN names the variable "npm-token", which is not allowed; expected an environment variable name (letters, digits and \'_\', not starting with a digit)'
    ])
  })

  it('refuses an entry without an id or a value, never showing a secrets entry', () => {
    const problems = problemsOf({
      secrets: 'ghp_s3cr3tvalue\nNPM_TOKEN=',
      'secret-files': 'pip.conf'
    })
    expect(problems).toEqual([
      "input `secrets`: secrets[0] (not shown: it may be the secret) is not id=value; expected id=value, the id an environment variable name (letters, digits and '_', not starting with a digit)",
      'input `secrets`: the secret NPM_TOKEN has no value; expected id=value',
      'input `secret-files`: secret-files[0] "pip.conf" is not id=path; expected id=path, the id an environment variable name (letters, digits and \'_\', not starting with a digit)'
    ])
    expect(problems.join('\n')).not.toContain('s3cr3t')
  })

  it('refuses an id given twice, in one input or across the three', () => {
    expect(
      problemsOf(
        {
          secrets: 'NPM_TOKEN=a\nNPM_TOKEN=b',
          'secret-files': 'PIP_CONFIG_FILE=pip.conf',
          'secret-envs': 'PIP_CONFIG_FILE=CONF'
        },
        dir
      )
    ).toEqual([
      'input `secrets`: the secret id NPM_TOKEN is given twice (first by input `secrets`); expected each id once across secrets, secret-files and secret-envs',
      'input `secret-envs`: the secret id PIP_CONFIG_FILE is given twice (first by input `secret-files`); expected each id once across secrets, secret-files and secret-envs'
    ])
  })

  it('refuses a secret file that is not there, naming the input and the secret', () => {
    expect(problemsOf({ 'secret-files': 'NPM_CONFIG_USERCONFIG=npmrc' }, dir)).toEqual([
      `input \`secret-files\` secret NPM_CONFIG_USERCONFIG: "npmrc" is not a file (resolved to ${path.join(fs.realpathSync(dir), 'npmrc')})`
    ])
  })

  it('refuses a network buildx does not take, and ssh that is not default or id=path', () => {
    expect(problemsOf({ network: 'my-net' })).toEqual([
      "input `network`: \"my-net\" is not allowed; expected the network of the build's RUN steps, as docker/build-push-action's network and buildx --network: default, none or host (host needs a builder that allows network.host); a network of your own is the builder's, e.g. docker/setup-buildx-action's driver-opts: network=NAME"
    ])
    expect(problemsOf({ ssh: 'github=' })[0]).toMatch(
      /^input `ssh`: ssh\[0\] "github=" is not allowed; expected SSH agent sockets or keys/
    )
  })

  describe('in aio.yml', () => {
    /** The specs of `yaml` in dir/`where`, dir the working directory. */
    function resolveFile(
      yaml: string,
      inputs: Record<string, unknown> = {},
      where = 'aio.yml'
    ): Spec[] {
      writeFiles(dir, { [where]: `app-command: run\n${yaml}` })
      const file = path.join(dir, where)
      return resolveSpecs({
        file: { path: file, fields: readSpecFile(file) },
        inputs,
        workingDir: dir,
        defaultName: 'demo'
      })
    }

    it('takes secret-files (relative to the file) and secret-envs', () => {
      const [spec] = resolveFile(
        'secret-files: [PIP_CONFIG_FILE=../pip.conf]\nsecret-envs: [NPM_TOKEN=NPM_TOKEN]\nssh: [default]\nnetwork: none\n',
        {},
        'deploy/aio.yml'
      )
      expect(spec.buildPush).toMatchObject({
        secrets: [
          {
            id: 'PIP_CONFIG_FILE',
            source: { kind: 'file', value: fs.realpathSync(path.join(dir, 'pip.conf')) }
          },
          { id: 'NPM_TOKEN', source: { kind: 'env', value: 'NPM_TOKEN' } }
        ],
        ssh: ['default'],
        network: 'none'
      })
    })

    it('refuses secrets there, at the top and in a variant, even with the input given, never showing them', () => {
      const problems = specProblems(() =>
        resolveFile('secrets: [NPM_TOKEN=s3cr3t]\nvariants:\n  slim:\n    secrets: [X=s3cr3t]\n', {
          secrets: ['NPM_TOKEN=from-input']
        })
      )
      const advice =
        "secret values are not allowed in a spec file, which is committed; use `secret-envs` (id=ENVNAME, the value from the step's environment) or `secret-files` (id=path) there, and `secrets` only as an action input or CLI flag"
      expect(problems).toEqual([
        `aio.yml field \`secrets\`: ${advice}`,
        `aio.yml variants.slim field \`secrets\`: ${advice}`
      ])
      expect(problems.join('\n')).not.toContain('s3cr3t')
    })

    it('keeps a secret file inside the working directory, as every path of the file', () => {
      const outside = tempDir('aio-outside-')
      try {
        writeFiles(outside, { npmrc: '//registry.npmjs.org/:_authToken=x\n' })
        const problems = specProblems(() =>
          resolveFile(`secret-files: [NPMRC=${path.join(outside, 'npmrc')}]\n`)
        )
        expect(problems[0]).toMatch(
          /^aio.yml field `secret-files` secret NPMRC: ".*npmrc" resolves to .*, outside the working directory/
        )
        // An input may name it: whoever runs the step can read it anyway.
        expect(
          specFromInputs({ 'secret-files': `NPMRC=${path.join(outside, 'npmrc')}` }, dir).buildPush
            .secrets
        ).toHaveLength(1)
      } finally {
        fs.rmSync(outside, { recursive: true, force: true })
      }
    })
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
