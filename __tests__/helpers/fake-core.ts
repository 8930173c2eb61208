// A stand-in for @actions/core, for
//   jest.unstable_mockModule('@actions/core', () => core)
// as github's typescript-action template fakes it (__fixtures__/core.ts):
// the step's inputs come from setInputs, and every call is recorded. It
// exports what the action and the @actions/* modules it loads import by name.
import type * as actions from '@actions/core'
import { jest } from '@jest/globals'

let inputs: Record<string, string> = {}

/** The step's inputs, as the runner hands them over; any other reads as ''. */
export function setInputs(values: Record<string, string>): void {
  inputs = values
}

/** The outputs set so far, by name (the last value of each). */
export function outputs(): Record<string, string> {
  return Object.fromEntries(setOutput.mock.calls.map(([name, value]) => [name, String(value)]))
}

/** The state saved so far for the post step, by name. */
export function savedState(): Record<string, string> {
  return Object.fromEntries(saveState.mock.calls.map(([name, value]) => [name, String(value)]))
}

export const getInput = jest.fn<typeof actions.getInput>((name, options) => {
  const given = inputs[name] ?? ''
  const value = options?.trimWhitespace === false ? given : given.trim()
  if (options?.required && value === '') throw new Error(`Input required and not supplied: ${name}`)
  return value
})
export const getBooleanInput = jest.fn<typeof actions.getBooleanInput>(
  (name, options) => getInput(name, options) === 'true'
)
export const getMultilineInput = jest.fn<typeof actions.getMultilineInput>((name, options) =>
  getInput(name, options)
    .split('\n')
    .filter(line => line !== '')
)
export const getState = jest.fn<typeof actions.getState>(() => '')
export const saveState = jest.fn<typeof actions.saveState>()
export const setOutput = jest.fn<typeof actions.setOutput>()
export const setFailed = jest.fn<typeof actions.setFailed>()
export const setSecret = jest.fn<typeof actions.setSecret>()
export const exportVariable = jest.fn<typeof actions.exportVariable>()
export const isDebug = jest.fn<typeof actions.isDebug>(() => false)
export const debug = jest.fn<typeof actions.debug>()
export const info = jest.fn<typeof actions.info>()
export const notice = jest.fn<typeof actions.notice>()
export const warning = jest.fn<typeof actions.warning>()
export const error = jest.fn<typeof actions.error>()
export const startGroup = jest.fn<typeof actions.startGroup>()
export const endGroup = jest.fn<typeof actions.endGroup>()
export const group = jest.fn<typeof actions.group>((_name, phase) => phase())

interface Summary {
  addRaw: jest.Mock<(text: string) => Summary>
  write: jest.Mock<() => Promise<Summary>>
}

export const summary: Summary = {
  addRaw: jest.fn(() => summary),
  write: jest.fn(async () => summary)
}
