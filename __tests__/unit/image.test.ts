import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import type { DockerEngine } from '../../src/engine/docker.js'
import {
  compressedImageSize,
  compressedLayerSizes,
  measureImage,
  readLayerSizes
} from '../../src/measure/image.js'
import { archive, imageArchive } from '../helpers/archive.js'
import { tempDir } from '../helpers/tmp.js'

const layerA = Buffer.from('a'.repeat(100_000) + 'noise'.repeat(100))
const layerB = Buffer.from(Array.from({ length: 20_000 }, (_, i) => String(i)).join(','))
const layerC = crypto.randomBytes(30_000)
const digestOf = (layer: Buffer) =>
  `sha256:${crypto.createHash('sha256').update(layer).digest('hex')}`

/** An OCI-layout `docker save` archive: each layer a blob named by its digest. */
function ociArchive(layers: readonly Buffer[]): Readable {
  const blob = (layer: Buffer) => `blobs/sha256/${digestOf(layer).slice(7)}`
  return archive({
    ...Object.fromEntries(layers.map(layer => [blob(layer), layer])),
    'manifest.json': Buffer.from(
      JSON.stringify([{ Config: 'blobs/sha256/c', Layers: layers.map(blob) }])
    )
  })
}

describe('compressedLayerSizes', () => {
  it('gives the gzip size of each layer a legacy archive names, in its order', async () => {
    const manifest = JSON.stringify([
      { Config: 'c.json', Layers: ['bbb/layer.tar', 'aaa/layer.tar'] }
    ])
    const sizes = await compressedLayerSizes(
      archive({
        'c.json': Buffer.from('{}'),
        'aaa/layer.tar': layerA,
        'bbb/layer.tar': layerB,
        'manifest.json': Buffer.from(manifest)
      })
    )
    expect(sizes).toEqual([gzipSync(layerB).length, gzipSync(layerA).length])
  })

  it('reads an OCI-layout archive too, and leaves out the blobs it is told to skip', async () => {
    const all = await compressedLayerSizes(ociArchive([layerA, layerB]))
    expect(all).toEqual([gzipSync(layerA).length, gzipSync(layerB).length])
    const skipped = `blobs/sha256/${digestOf(layerA).slice(7)}`
    const some = await compressedLayerSizes(ociArchive([layerA, layerB]), n => n === skipped)
    expect(some).toEqual([undefined, gzipSync(layerB).length])
  })
})

describe('compressedImageSize and the layer sizes kept between runs', () => {
  const layers = [layerA, layerB, layerC]

  /** An engine whose image has `layers`, saved in `layout`, counting the saves. */
  function engine(layout: (layers: readonly Buffer[]) => Readable) {
    const saves: string[] = []
    const docker = {
      imageLayers: async () => layers.map(digestOf),
      imageSize: async () => 1,
      imageHistory: async () => [],
      saveImage: async <T>(image: string, consume: (tar: Readable) => Promise<T>) => {
        saves.push(image)
        return consume(layout(layers))
      }
    } as Partial<DockerEngine> as DockerEngine
    return { docker, saves }
  }

  it.each([
    ['legacy', imageArchive],
    ['OCI', ociArchive]
  ])(
    'gives the same total from a %s archive whether none, some or all layers are known',
    async (_, layout) => {
      const { docker, saves } = engine(layout)
      const uncached = await compressedImageSize(docker, 'img', {})
      expect(uncached.total).toBe(layers.reduce((sum, l) => sum + gzipSync(l).length, 0))
      const [first] = layers.map(digestOf)
      const some = await compressedImageSize(docker, 'img', { [first]: uncached.sizes[first] })
      expect(some).toEqual(uncached)
      expect(saves).toHaveLength(2)
      const all = await compressedImageSize(docker, 'img', uncached.sizes)
      expect(all).toEqual(uncached)
      // Every layer known: no archive at all.
      expect(saves).toHaveLength(2)
    }
  )

  it('keeps the sizes in the file, so that a second measure of the image saves nothing', async () => {
    const file = path.join(tempDir('aio-layer-sizes-'), 'cache', 'layer-sizes.json')
    const { docker, saves } = engine(imageArchive)
    const first = await measureImage(docker, 'img', file)
    expect(Object.keys(await readLayerSizes(file))).toEqual(layers.map(digestOf))
    const second = await measureImage(docker, 'img', file)
    expect(second).toEqual(first)
    expect(saves).toEqual(['img'])
  })

  it('takes a missing or damaged file as knowing nothing', async () => {
    const dir = tempDir('aio-layer-sizes-')
    expect(await readLayerSizes(path.join(dir, 'absent.json'))).toEqual({})
    fs.writeFileSync(path.join(dir, 'bad.json'), '{"sha256:ab')
    expect(await readLayerSizes(path.join(dir, 'bad.json'))).toEqual({})
  })
})
