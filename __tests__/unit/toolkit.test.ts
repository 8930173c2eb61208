import { Writable } from 'node:stream'
import { dropWorkflowDebug } from '../../src/engine/toolkit.js'

describe("the toolkit's debug messages", () => {
  it('are dropped from a stream, and nothing else', () => {
    const written: string[] = []
    const stream = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        written.push(chunk.toString())
        done()
      }
    })
    dropWorkflowDebug(stream)
    expect(stream.write('::debug::Buildx.isStandalone: false\n')).toBe(true)
    stream.write('{"passed": true}\n')
    stream.write(Buffer.from('::debug:: as bytes: not from @actions/core\n'))
    expect(written).toEqual(['{"passed": true}\n', '::debug:: as bytes: not from @actions/core\n'])
  })
})
