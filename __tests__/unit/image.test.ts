import { gzipSync } from 'node:zlib'
import { compressedLayersSize } from '../../src/measure/image.js'
import { archive } from '../helpers/archive.js'

describe('compressedLayersSize', () => {
  const layerA = Buffer.from('a'.repeat(100_000) + 'noise'.repeat(100))
  const layerB = Buffer.from(Array.from({ length: 20_000 }, (_, i) => String(i)).join(','))
  const expected = gzipSync(layerA).length + gzipSync(layerB).length

  it('sums gzip sizes of the layers named in a legacy archive', async () => {
    const manifest = JSON.stringify([
      { Config: 'c.json', Layers: ['aaa/layer.tar', 'bbb/layer.tar'] }
    ])
    const size = await compressedLayersSize(
      archive({
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
      archive({
        'manifest.json': Buffer.from(manifest),
        'blobs/sha256/c': Buffer.from('{"x":1}'),
        'blobs/sha256/a': layerA,
        'blobs/sha256/b': layerB
      })
    )
    expect(Math.abs(size - expected)).toBeLessThan(64)
  })
})
