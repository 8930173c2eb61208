import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { Readable } from 'node:stream'
import * as zlib from 'node:zlib'
import type { DockerEngine } from '../../src/engine/docker.js'
import {
  measureImage,
  measureLayers,
  readLayerSizes,
  readSavedLayers,
  type LayerSizes
} from '../../src/measure/image.js'
import { archive, blobName, digestOf, imageArchive, ociArchive } from '../helpers/archive.js'
import { tempDir } from '../helpers/tmp.js'

const layerA = Buffer.from('a'.repeat(100_000) + 'noise'.repeat(100))
const layerB = Buffer.from(Array.from({ length: 20_000 }, (_, i) => String(i)).join(','))
const layerC = crypto.randomBytes(30_000)
const layers = [layerA, layerB, layerC]
const diffIds = layers.map(digestOf)

/** Each layer's figures: its bytes, and its bytes gzip-compressed at the default level. */
const figuresOf = (layer: Buffer) => ({ size: layer.length, compressed: gzipLength(layer) })
const gzipLength = (layer: Buffer) => zlib.gzipSync(layer).length
const expectedSize = layers.reduce((sum, layer) => sum + layer.length, 0)
const expectedCompressed = layers.reduce((sum, layer) => sum + gzipLength(layer), 0)

const LAYOUTS: Array<[string, (layers: readonly Buffer[]) => Readable]> = [
  ['legacy', imageArchive],
  ['classic-store OCI', list => ociArchive(list, 'classic')],
  ['containerd-store OCI', list => ociArchive(list, 'containerd')]
]

/** Gzip's magic bytes and then no valid gzip: reading it fails, so an entry that holds it must be skipped. */
const UNREADABLE = Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('not gzip at all')])

/** The figures of `sizes` without the blob names, which only the containerd store's archive has. */
const figuresOnly = (sizes: LayerSizes) =>
  Object.fromEntries(
    Object.entries(sizes).map(([diffId, { size, compressed }]) => [diffId, { size, compressed }])
  )

describe('readSavedLayers', () => {
  it.each(LAYOUTS)(
    'gives each wanted layer its uncompressed and gzip sizes from a %s archive, and nothing else',
    async (_, layout) => {
      const read = await readSavedLayers(layout(layers), new Set(diffIds))
      expect(figuresOnly(read)).toEqual(
        Object.fromEntries(layers.map(layer => [digestOf(layer), figuresOf(layer)]))
      )
    }
  )

  it('fails with the error of a blob that cannot be read', async () => {
    // A gzip blob cut short: its gzip header, then nothing.
    const corrupt = zlib.gzipSync(layerB).subarray(0, 12)
    const read = readSavedLayers(
      archive({
        [blobName(zlib.gzipSync(layerA))]: zlib.gzipSync(layerA),
        [blobName(corrupt)]: corrupt,
        [blobName(zlib.gzipSync(layerC))]: zlib.gzipSync(layerC)
      }),
      new Set(diffIds)
    )
    await expect(read).rejects.toThrow('unexpected end of file')
  })

  it('names the compressed blobs of the containerd store, and no blob of the others', async () => {
    // In the layers' order: blobs are measured at once, and finish in any order.
    const blobsOf = async (layout: Readable) => {
      const read = await readSavedLayers(layout, new Set(diffIds))
      return diffIds.map(diffId => read[diffId].blobs)
    }
    expect(await blobsOf(ociArchive(layers, 'containerd'))).toEqual(
      layers.map(layer => [digestOf(zlib.gzipSync(layer))])
    )
    expect(await blobsOf(ociArchive(layers, 'classic'))).toEqual([[], [], []])
    expect(await blobsOf(imageArchive(layers))).toEqual([[], [], []])
  })

  it('tells a compressed blob by its first bytes even when they come one at a time', async () => {
    const small = Buffer.from('a small layer')
    const byteByByte = async function* (saved: Readable) {
      for await (const chunk of saved as AsyncIterable<Buffer>)
        for (const byte of chunk) yield Buffer.from([byte])
    }
    const saved = Readable.from(byteByByte(ociArchive([small], 'containerd')))
    const read = await readSavedLayers(saved, new Set([digestOf(small)]))
    expect(figuresOnly(read)).toEqual({ [digestOf(small)]: figuresOf(small) })
  })

  it('leaves out layers not wanted', async () => {
    const read = await readSavedLayers(ociArchive(layers, 'containerd'), new Set([diffIds[1]]))
    expect(Object.keys(read)).toEqual([diffIds[1]])
  })

  it('does not read the entries it is told to skip', async () => {
    const saved = () =>
      archive({ 'blobs/sha256/unreadable': UNREADABLE, [blobName(layerA)]: layerA })
    await expect(readSavedLayers(saved(), new Set(diffIds))).rejects.toThrow()
    const read = await readSavedLayers(
      saved(),
      new Set(diffIds),
      name => name === 'blobs/sha256/unreadable'
    )
    expect(figuresOnly(read)).toEqual({ [diffIds[0]]: figuresOf(layerA) })
  })

  // Node.js 22.15 and newer have zstd; 20 has none.
  const { zstdCompressSync } = zlib as { zstdCompressSync?: (data: Buffer) => Buffer }
  const zstdArchive = () =>
    archive({
      'blobs/sha256/zstd-layer':
        zstdCompressSync?.(layerA) ?? Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0])
    })

  ;(zstdCompressSync ? it : it.skip)('decompresses a zstd blob where Node.js can', async () => {
    const read = await readSavedLayers(zstdArchive(), new Set(diffIds))
    expect(figuresOnly(read)).toEqual({ [diffIds[0]]: figuresOf(layerA) })
  })

  ;(zstdCompressSync ? it.skip : it)(
    'says which entry is zstd-compressed where Node.js cannot decompress it',
    async () => {
      await expect(readSavedLayers(zstdArchive(), new Set(diffIds))).rejects.toThrow(
        /docker save holds blobs\/sha256\/zstd-layer compressed with zstd, which Node\.js v[\d.]+ cannot decompress/
      )
    }
  )
})

describe('measureLayers, measureImage and the layer sizes kept between runs', () => {
  /** An engine whose image has `layers`, saved as `save` gives them, counting the saves. */
  function engine(save: () => Readable, imageDiffIds = diffIds) {
    const saves: string[] = []
    const docker = {
      imageLayers: async () => imageDiffIds,
      imageHistory: async () => [],
      saveImage: async <T>(image: string, consume: (tar: Readable) => Promise<T>) => {
        saves.push(image)
        return consume(save())
      }
    } as Partial<DockerEngine> as DockerEngine
    return { docker, saves }
  }
  const layersFile = () => path.join(tempDir('aio-layer-sizes-'), 'cache', 'layer-sizes.json')

  it.each(LAYOUTS)(
    'gives the same figures from a %s archive as from the others, whether none, some or all layers are known',
    async (_, layout) => {
      const { docker, saves } = engine(() => layout(layers))
      const totals = (measured: Awaited<ReturnType<typeof measureLayers>>) => ({
        size: measured.reduce((sum, layer) => sum + layer.size, 0),
        compressed: measured.reduce((sum, layer) => sum + layer.compressed, 0)
      })
      const uncached = await measureLayers(docker, 'img', {})
      expect(totals(uncached)).toEqual({ size: expectedSize, compressed: expectedCompressed })
      const [first] = uncached
      const some = await measureLayers(docker, 'img', { [first.diffId]: first })
      expect(some).toEqual(uncached)
      expect(saves).toHaveLength(2)
      const all = await measureLayers(
        docker,
        'img',
        Object.fromEntries(uncached.map(layer => [layer.diffId, layer]))
      )
      expect(all).toEqual(uncached)
      // Every layer known: no archive at all.
      expect(saves).toHaveLength(2)
    }
  )

  it.each([
    // The classic store names a layer's blob by its diff ID ...
    ['classic', (layer: Buffer) => blobName(layer)],
    // ... the containerd store by the digest of its compressed blob, seen in an earlier save.
    ['containerd', (layer: Buffer) => blobName(zlib.gzipSync(layer))]
  ] as const)(
    'does not read the blob of a known layer on the %s store',
    async (store, knownBlob) => {
      const [diffIdA, diffIdB] = diffIds
      const earlier = engine(() => ociArchive([layerA], store), [diffIdA])
      const [first] = await measureLayers(earlier.docker, 'img', {})
      // The known layer's blob is unreadable: only skipping it gives figures.
      const { docker } = engine(
        () => archive({ [knownBlob(layerA)]: UNREADABLE, [blobName(layerB)]: layerB }),
        [diffIdA, diffIdB]
      )
      const measured = await measureLayers(docker, 'img', { [diffIdA]: first })
      expect(measured.map(({ size, compressed }) => ({ size, compressed }))).toEqual([
        figuresOf(layerA),
        figuresOf(layerB)
      ])
    }
  )

  it.each(LAYOUTS)(
    'keeps the figures in the file, so that a second measure of a %s image saves nothing',
    async (_, layout) => {
      const file = layersFile()
      const { docker, saves } = engine(() => layout(layers))
      const first = await measureImage(docker, 'img', file)
      expect(first).toEqual({ size: expectedSize, compressedSize: expectedCompressed, layers: [] })
      expect(Object.keys(await readLayerSizes(file))).toEqual(diffIds)
      const second = await measureImage(docker, 'img', file)
      expect(second).toEqual(first)
      expect(saves).toEqual(['img'])
    }
  )

  it('takes an older file of bare compressed sizes as knowing nothing, and rewrites it', async () => {
    const file = layersFile()
    fs.mkdirSync(path.dirname(file), { recursive: true })
    const older = Object.fromEntries(diffIds.map(diffId => [diffId, 1234]))
    fs.writeFileSync(file, JSON.stringify(older))
    expect(await readLayerSizes(file)).toEqual({})
    const { docker, saves } = engine(() => ociArchive(layers, 'containerd'))
    const figures = await measureImage(docker, 'img', file)
    expect(figures).toMatchObject({ size: expectedSize, compressedSize: expectedCompressed })
    expect(saves).toHaveLength(1)
    expect(figuresOnly(await readLayerSizes(file))).toEqual(
      Object.fromEntries(layers.map(layer => [digestOf(layer), figuresOf(layer)]))
    )
  })

  it('counts a layer no entry holds as 0 bytes, and keeps it so that the next measure saves nothing', async () => {
    const file = layersFile()
    const emptyLayer = `sha256:${'e'.repeat(64)}`
    const { docker, saves } = engine(() => ociArchive(layers, 'classic'), [...diffIds, emptyLayer])
    const first = await measureImage(docker, 'img', file)
    expect(first).toMatchObject({ size: expectedSize, compressedSize: expectedCompressed })
    expect((await readLayerSizes(file))[emptyLayer]).toEqual({ size: 0, compressed: 0, blobs: [] })
    expect(await measureImage(docker, 'img', file)).toEqual(first)
    expect(saves).toHaveLength(1)
  })

  it('takes a missing or damaged file as knowing nothing', async () => {
    const dir = tempDir('aio-layer-sizes-')
    expect(await readLayerSizes(path.join(dir, 'absent.json'))).toEqual({})
    fs.writeFileSync(path.join(dir, 'bad.json'), '{"sha256:ab')
    expect(await readLayerSizes(path.join(dir, 'bad.json'))).toEqual({})
  })
})
