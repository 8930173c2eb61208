// Figures of the built image that need no container: its size, the size of
// its layers once gzip-compressed (what a registry stores and a pull
// downloads), and the largest layers with the instruction that made them.
// Compressing takes seconds per run, so each layer's compressed size is kept
// in a small file by the layer's content digest: a layer is compressed once,
// and an image whose layers are all known is not even saved.
import fs from 'node:fs'
import path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import tar from 'tar-stream'
import { persistentDir } from '../engine/cache-store.js'
import type { DockerEngine, HistoryEntry } from '../engine/docker.js'

export interface ImageFigures {
  size: number
  compressedSize: number
  /** Non-empty layers, largest first. */
  layers: HistoryEntry[]
}

/** Compressed bytes by layer digest (`sha256:...` of the uncompressed layer). */
export type LayerSizes = Record<string, number>

// Layers of older images drop out beyond this many: the file stays small.
const KEPT_LAYER_SIZES = 1000

/** Bytes of `chunks` once gzip-compressed at the default level, as docker push does. */
async function gzippedLength(chunks: AsyncIterable<unknown>): Promise<number> {
  let length = 0
  await pipeline(Readable.from(chunks), createGzip(), async (compressed: AsyncIterable<Buffer>) => {
    for await (const chunk of compressed) length += chunk.length
  })
  return length
}

/**
 * The gzip-compressed size of each layer of a `docker save` archive, in
 * manifest.json's order (that of .RootFS.Layers). Both archive layouts are
 * read: legacy (`<id>/layer.tar`) and OCI (`blobs/sha256/<digest>`);
 * manifest.json names the layers in either. A layer whose entry `skip`
 * names is not compressed: its size is undefined.
 */
export async function compressedLayerSizes(
  archive: Readable,
  skip: (entryName: string) => boolean = () => false
): Promise<Array<number | undefined>> {
  const compressed = new Map<string, number>()
  let manifest = ''
  const extract = tar.extract()
  archive.pipe(extract)
  for await (const entry of extract) {
    const { name, type, size } = entry.header
    if (name === 'manifest.json') {
      for await (const chunk of entry) manifest += String(chunk)
    } else if (type === 'file' && (size ?? 0) > 0 && !skip(name)) {
      compressed.set(name, await gzippedLength(entry))
    } else {
      entry.resume()
    }
  }
  const layers = (JSON.parse(manifest) as Array<{ Layers: string[] }>)[0].Layers
  // An empty layer has no entry to compress: 0 bytes, like the full sum counts it.
  return layers.map(layer => (skip(layer) ? undefined : (compressed.get(layer) ?? 0)))
}

/** The layer sizes kept in `file`; none when it is missing or unreadable (it is only a cache). */
export async function readLayerSizes(file: string): Promise<LayerSizes> {
  try {
    const sizes = JSON.parse(await fs.promises.readFile(file, 'utf8')) as unknown
    return sizes && typeof sizes === 'object' && !Array.isArray(sizes) ? (sizes as LayerSizes) : {}
  } catch {
    return {}
  }
}

/** Writes `sizes` (the newest last) to `file` whole or not at all, so a concurrent reader never sees half a file. */
async function writeLayerSizes(file: string, sizes: LayerSizes): Promise<void> {
  const kept = Object.entries(sizes).slice(-KEPT_LAYER_SIZES)
  await fs.promises.mkdir(path.dirname(file), { recursive: true })
  const partial = `${file}.${process.pid}.tmp`
  await fs.promises.writeFile(partial, JSON.stringify(Object.fromEntries(kept)))
  await fs.promises.rename(partial, file)
}

/**
 * Sum of the image's gzip-compressed layers, compressing only the layers
 * that `known` lacks; `docker save` runs only when there is one. Returns
 * the sizes of every layer of the image as well, to keep for the next run.
 */
export async function compressedImageSize(
  docker: DockerEngine,
  image: string,
  known: LayerSizes
): Promise<{ total: number; sizes: LayerSizes }> {
  const digests = await docker.imageLayers(image)
  let sizes = digests.map(digest => known[digest])
  if (sizes.some(size => size === undefined)) {
    // An OCI-layout archive names each layer's blob by its digest (on the
    // classic store, the uncompressed one): known blobs are not read. A
    // legacy archive names layers by id, known only from its manifest,
    // which comes last: there every layer is compressed again.
    const knownBlob = (name: string) =>
      /^blobs\/sha256\/[0-9a-f]{64}$/.test(name) && known[`sha256:${name.slice(13)}`] !== undefined
    const measured = await docker.saveImage(image, archive =>
      compressedLayerSizes(archive, knownBlob)
    )
    sizes = digests.map((digest, index) => measured[index] ?? known[digest])
  }
  const byDigest = Object.fromEntries(
    digests.map((digest, index) => [digest, sizes[index] as number])
  )
  return { total: sizes.reduce<number>((sum, size) => sum + (size as number), 0), sizes: byDigest }
}

/**
 * The image's figures; `layerSizesFile` keeps each layer's compressed size
 * between runs (persistent, so a rebuild with no change compresses nothing).
 */
export async function measureImage(
  docker: DockerEngine,
  image: string,
  layerSizesFile: string
): Promise<ImageFigures> {
  const known = await readLayerSizes(layerSizesFile)
  const [size, history, compressed] = await Promise.all([
    docker.imageSize(image),
    docker.imageHistory(image),
    compressedImageSize(docker, image, known)
  ])
  // This image's layers go last: they are the newest, kept longest.
  const others = Object.entries(known).filter(([digest]) => !(digest in compressed.sizes))
  await writeLayerSizes(layerSizesFile, { ...Object.fromEntries(others), ...compressed.sizes })
  const layers = history.filter(layer => layer.size > 0).sort((a, b) => b.size - a.size)
  return { size, compressedSize: compressed.total, layers }
}

/** Where each layer's compressed size is kept between runs. */
export function layerSizesFile(env: NodeJS.ProcessEnv): string {
  return persistentDir(env, 'layer-sizes.json')
}
