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
