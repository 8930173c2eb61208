import { Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import tar from 'tar-stream'
import { compressedLayersSize } from '../../src/measure/image.js'

async function archive(entries: Record<string, Buffer>): Promise<Readable> {
  const pack = tar.pack()
  for (const [name, content] of Object.entries(entries)) pack.entry({ name }, content)
  pack.finalize()
  return Readable.from(pack as unknown as AsyncIterable<Buffer>)
}

describe('compressedLayersSize', () => {
  const layerA = Buffer.from('a'.repeat(100_000) + 'noise'.repeat(100))
  const layerB = Buffer.from(Array.from({ length: 20_000 }, (_, i) => String(i)).join(','))
  const expected = gzipSync(layerA).length + gzipSync(layerB).length

  it('sums gzip sizes of the layers named in a legacy archive', async () => {
    const manifest = JSON.stringify([
      { Config: 'c.json', Layers: ['aaa/layer.tar', 'bbb/layer.tar'] }
    ])
    const size = await compressedLayersSize(
      await archive({
        'c.json': Buffer.from('{}'),
        'aaa/layer.tar': layerA,
        'bbb/layer.tar': layerB,
        'manifest.json': Buffer.from(manifest)
      })
    )
    expect(Math.abs(size - expected)).toBeLessThan(64)
  })

  it('reads an OCI-layout archive too', async () => {
    const manifest = JSON.stringify([
      { Config: 'blobs/sha256/c', Layers: ['blobs/sha256/a', 'blobs/sha256/b'] }
    ])
    const size = await compressedLayersSize(
      await archive({
        'manifest.json': Buffer.from(manifest),
        'blobs/sha256/c': Buffer.from('{"x":1}'),
        'blobs/sha256/a': layerA,
        'blobs/sha256/b': layerB
      })
    )
    expect(Math.abs(size - expected)).toBeLessThan(64)
  })
})
