// The workflow files and action.yml, checked against the schemas GitHub
// itself publishes for them (@actions/workflow-parser, what the Actions
// language server uses), so a workflow that GitHub would reject fails here.
import fs from 'node:fs'
import path from 'node:path'
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser'
import { parseAction } from '@actions/workflow-parser/actions/index'
import YAML from 'yaml'
import { ROOT } from '../helpers/action-runner.js'

type Parse = typeof parseWorkflow

function schemaErrors(parse: Parse, file: string): string[] {
  const content = fs.readFileSync(path.join(ROOT, file), 'utf8')
  const result = parse({ name: file, content }, new NoOperationTraceWriter())
  return result.context.errors.getErrors().map(error => error.message)
}

const WORKFLOWS = ['.github/workflows', 'examples/workflows'].flatMap(dir =>
  fs
    .readdirSync(path.join(ROOT, dir))
    .filter(file => file.endsWith('.yml'))
    .map(file => `${dir}/${file}`)
)

it('finds the workflows', () => {
  expect(WORKFLOWS).toEqual(
    expect.arrayContaining([
      '.github/workflows/ci.yml',
      '.github/workflows/self-test.yml',
      'examples/workflows/pull-request-budgets.yml',
      'examples/workflows/release.yml'
    ])
  )
})

it.each(WORKFLOWS)('%s follows the workflow schema', file => {
  expect(schemaErrors(parseWorkflow, file)).toEqual([])
})

it('action.yml follows the action schema', () => {
  expect(schemaErrors(parseAction, 'action.yml')).toEqual([])
})

it('the checks see a broken workflow', () => {
  const result = parseWorkflow(
    { name: 'broken.yml', content: 'on: push\njobs:\n  a:\n    runs-on: x\n    stepz: []\n' },
    new NoOperationTraceWriter()
  )
  expect(result.context.errors.getErrors().length).toBeGreaterThan(0)
})

it('the self-test passes only inputs that action.yml declares', () => {
  const inputs = Object.keys(
    (YAML.parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as { inputs: object })
      .inputs
  )
  const workflow = YAML.parse(
    fs.readFileSync(path.join(ROOT, '.github/workflows/self-test.yml'), 'utf8')
  ) as { jobs: Record<string, { steps: Array<{ uses?: string; with?: object }> }> }
  const local = Object.values(workflow.jobs).flatMap(job =>
    job.steps.filter(step => step.uses === './')
  )
  expect(local.length).toBeGreaterThan(0)
  for (const step of local)
    expect(inputs).toEqual(expect.arrayContaining(Object.keys(step.with ?? {})))
})

// The first major of each action whose action.yml runs on node24
// (attest-build-provenance is composite: from v3 both actions it wraps do).
const NODE24_MAJORS: Record<string, string> = {
  'actions/checkout': 'v5',
  'actions/setup-node': 'v5',
  'actions/upload-artifact': 'v6',
  'actions/attest-build-provenance': 'v3',
  'docker/login-action': 'v4',
  'docker/metadata-action': 'v6',
  'docker/setup-buildx-action': 'v4',
  'docker/setup-qemu-action': 'v4'
}

// This action itself and `./` are not third-party actions.
const OWN = /^(\.\/|aio-image\/aio-image@)/

type Workflow = { jobs: Record<string, { uses?: string; steps?: Array<{ uses?: string }> }> }

// Every `uses:` of a workflow that is not the node24 major of the table
// (an action missing from the table is one too).
function staleUses(content: string): string[] {
  const workflow = YAML.parse(content) as Workflow
  const uses = Object.values(workflow.jobs).flatMap(job => [
    ...(job.uses === undefined ? [] : [job.uses]),
    ...(job.steps ?? []).flatMap(step => (step.uses === undefined ? [] : [step.uses]))
  ])
  return uses.filter(use => {
    if (OWN.test(use)) return false
    const [action, ref] = use.split('@')
    return NODE24_MAJORS[action] !== ref
  })
}

it.each(WORKFLOWS)('%s uses the node24 major of every action', file => {
  expect(staleUses(fs.readFileSync(path.join(ROOT, file), 'utf8'))).toEqual([])
})

it('the major check sees an old major and an action missing from the table', () => {
  const content = [
    'on: push',
    'jobs:',
    '  a:',
    '    runs-on: x',
    '    steps:',
    '      - uses: actions/checkout@v4',
    '      - uses: actions/setup-node@v5',
    '      - uses: someone/else@v1',
    '      - uses: ./',
    '      - uses: aio-image/aio-image@v0',
    ''
  ].join('\n')
  expect(staleUses(content)).toEqual(['actions/checkout@v4', 'someone/else@v1'])
})
