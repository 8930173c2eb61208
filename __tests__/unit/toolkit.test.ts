import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import { Build } from '@docker/actions-toolkit/lib/buildx/build.js'
import {
  dropWorkflowCommands,
  removeToolkitTempDirs,
  toolkitTempDir
} from '../../src/engine/toolkit.js'
import { tempDir } from '../helpers/tmp.js'

describe("the toolkit's debug messages and masks", () => {
  it('are dropped from a stream, and nothing else', () => {
    const written: string[] = []
    const stream = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        written.push(chunk.toString())
        done()
      }
    })
    dropWorkflowCommands(stream)
    expect(stream.write('::debug::Buildx.isStandalone: false\n')).toBe(true)
    expect(stream.write('::add-mask::s3cr3t\n')).toBe(true)
    stream.write('{"passed": true}\n')
    stream.write(Buffer.from('::debug:: as bytes: not from @actions/core\n'))
    expect(written).toEqual(['{"passed": true}\n', '::debug:: as bytes: not from @actions/core\n'])
  })
})

describe("the toolkit's temp directory", () => {
  it('is made under RUNNER_TEMP as the toolkit loads, and holds the build files', () => {
    const dir = toolkitTempDir()
    expect(path.dirname(dir)).toBe(process.env.RUNNER_TEMP || os.tmpdir())
    expect(path.basename(dir)).toMatch(/^docker-actions-toolkit-/)
    expect(fs.statSync(dir).isDirectory()).toBe(true)
    const build = new Build()
    expect(path.dirname(build.getMetadataFilePath())).toBe(dir)
    expect(path.dirname(build.getImageIDFilePath())).toBe(dir)
  })

  it('refuses to remove a directory that is not a toolkit temp directory', async () => {
    const other = tempDir('aio-not-toolkit-')
    try {
      await expect(removeToolkitTempDirs(other)).rejects.toThrow(
        `${other} is not a toolkit temp directory (docker-actions-toolkit-*); not removed`
      )
      expect(fs.existsSync(other)).toBe(true)
      expect(fs.existsSync(toolkitTempDir())).toBe(true)
    } finally {
      fs.rmSync(other, { recursive: true, force: true })
    }
  })

  // Last: the toolkit cannot make build files in this process afterwards.
  it("removes the main step's and this process's own", async () => {
    const runnerTemp = tempDir('aio-runner-temp-')
    const mainStep = fs.mkdtempSync(path.join(runnerTemp, 'docker-actions-toolkit-'))
    fs.writeFileSync(path.join(mainStep, 'build-metadata-0123456789.json'), '{}')
    fs.writeFileSync(path.join(toolkitTempDir(), 'build-iidfile-0123456789.txt'), 'sha256:0')
    expect(await removeToolkitTempDirs(mainStep)).toEqual([mainStep, toolkitTempDir()])
    expect(fs.existsSync(mainStep)).toBe(false)
    expect(fs.existsSync(toolkitTempDir())).toBe(false)
    // Without a main step's (the CLI), only its own; gone already is fine.
    expect(await removeToolkitTempDirs()).toEqual([toolkitTempDir()])
    fs.rmSync(runnerTemp, { recursive: true, force: true })
  })
})
