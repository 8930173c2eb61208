// Figures of the built image that need no container: its size (the bytes
// of its layers' uncompressed tars), the size of those layers once
// gzip-compressed (what a registry stores and a pull downloads), and the
// largest layers with the instruction that made them. Both sizes come from
// the layers in `docker save`, read the same way whichever image store the
// engine uses, so that one image has the same figures on either. Reading
// and compressing takes seconds per run, so each layer's figures are kept
// in a small file by its diff ID: a layer is read once, and an image whose
// layers are all known is not even saved.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough, type Readable, type Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import * as zlib from 'node:zlib'
import tar from 'tar-stream'
import { persistentDir } from '../engine/cache-store.js'
import type { DockerEngine, HistoryEntry } from '../engine/docker.js'

export interface ImageFigures {
  /** Bytes of the layers' uncompressed tars. */
  size: number
  /** Bytes of the layers' tars gzip-compressed at the default level. */
  compressedSize: number
  /** Non-empty layers, largest first. */
  layers: HistoryEntry[]
}

/** A layer's figures: the bytes of its uncompressed tar, and of that tar gzip-compressed. */
export interface LayerFigures {
  size: number
  compressed: number
}

/** What is kept of a layer between runs. */
export interface KnownLayer extends LayerFigures {
  /**
   * Digests of the compressed blobs `docker save` held this layer in (the
   * containerd store's), so that such a blob is known by its name and not
   * read again, as a blob named by the layer's diff ID is.
   */
  blobs: string[]
}

/** Known layers by diff ID (`sha256:...` of the uncompressed tar, as .RootFS.Layers lists them). */
export type LayerSizes = Record<string, KnownLayer>

// Layers of older images drop out beyond this many: the file stays small.
const KEPT_LAYER_SIZES = 1000

// Blobs measured at once (one core each), and the bytes of blobs held in
// memory meanwhile; a blob larger than that streams through on its own.
const CONCURRENT_BLOBS = Math.max(2, os.availableParallelism())
const HELD_BYTES = 512 * 1024 * 1024

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b])
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd])

// Node.js has zstd from 22.15 (the action runs on 24); the CLI may run on 20, which has none.
const { createZstdDecompress } = zlib as { createZstdDecompress?: () => Transform }

/** The `sha256:` digest an OCI-layout entry (`blobs/sha256/<hex>`) is named by; none for other entries. */
function blobDigest(entryName: string): string | undefined {
  const hex = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(entryName)?.[1]
  return hex && `sha256:${hex}`
}

/** The first `count` bytes of `stream` (fewer when it is shorter), and the whole stream again to read on. */
async function peek(
  stream: AsyncIterable<Buffer>,
  count: number
): Promise<{ head: Buffer; whole: AsyncIterable<Buffer> }> {
  const iterator = stream[Symbol.asyncIterator]()
  const read: Buffer[] = []
  let length = 0
  while (length < count) {
    const next = await iterator.next()
    if (next.done) break
    read.push(next.value)
    length += next.value.length
  }
  async function* whole() {
    yield* read
    for (let next = await iterator.next(); !next.done; next = await iterator.next())
      yield next.value
  }
  return { head: Buffer.concat(read).subarray(0, count), whole: whole() }
}

/** What undoes the compression a blob's first bytes (`head`) show; none for an uncompressed blob. */
function decompressor(head: Buffer, entryName: string): Transform | undefined {
  if (head.subarray(0, GZIP_MAGIC.length).equals(GZIP_MAGIC)) return zlib.createGunzip()
  if (!head.equals(ZSTD_MAGIC)) return undefined
  if (!createZstdDecompress) {
    throw new Error(
      `docker save holds ${entryName} compressed with zstd, which Node.js ${process.version} cannot decompress (Node.js 22.15 or newer can): its layer cannot be measured`
    )
  }
  return createZstdDecompress()
}

/**
 * The diff ID and figures of the layer a blob holds, in one pass: the blob
 * decompressed when its magic bytes say it is compressed, then hashed,
 * counted and gzip-compressed as it streams.
 */
async function measureBlob(
  blob: AsyncIterable<Buffer>,
  entryName: string
): Promise<LayerFigures & { diffId: string; wasCompressed: boolean }> {
  const { head, whole } = await peek(blob, ZSTD_MAGIC.length)
  const decompress = decompressor(head, entryName)
  const hash = createHash('sha256')
  let size = 0
  let compressed = 0
  await pipeline(
    whole,
    decompress ?? new PassThrough(),
    async function* (layer: AsyncIterable<Buffer>) {
      for await (const chunk of layer) {
        hash.update(chunk)
        size += chunk.length
        yield chunk
      }
    },
    zlib.createGzip(),
    async (gzipped: AsyncIterable<Buffer>) => {
      for await (const chunk of gzipped) compressed += chunk.length
    }
  )
  return { diffId: `sha256:${hash.digest('hex')}`, size, compressed, wasCompressed: !!decompress }
}

/**
 * The layers of a `docker save` archive that `wanted` names by diff ID,
 * with their figures, whatever the layout: legacy (`<id>/layer.tar`), OCI
 * from the classic store (uncompressed blobs named by their diff ID) or
 * from the containerd store (compressed blobs named by their own digest).
 * A blob's uncompressed content hashes to its layer's diff ID, so no
 * manifest is needed to tell which layer it is; entries that hash to no
 * wanted layer (configs, manifests, other platforms' layers) are left out.
 * Entries `skip` names are not read.
 */
export async function readSavedLayers(
  archive: Readable,
  wanted: ReadonlySet<string>,
  skip: (entryName: string) => boolean = () => false
): Promise<LayerSizes> {
  const layers: LayerSizes = {}
  const record = async (measuring: ReturnType<typeof measureBlob>, name: string) => {
    const { diffId, wasCompressed, ...figures } = await measuring
    if (!wanted.has(diffId)) return
    const digest = wasCompressed ? blobDigest(name) : undefined
    layers[diffId] = { ...figures, blobs: union(layers[diffId]?.blobs, digest ? [digest] : []) }
  }
  // Compressing is the slow part, and zlib runs it off the main thread: a
  // blob small enough to hold is read whole and measured while the archive
  // reads on, so that layers compress on several cores at once. A larger
  // blob is measured as it streams, alone.
  // Settle without rejecting: the first failure is kept and thrown here.
  const running = new Set<Promise<void>>()
  let failure: { error: unknown } | undefined
  let held = 0
  const extract = tar.extract()
  archive.pipe(extract)
  for await (const entry of extract) {
    const { name, type, size = 0 } = entry.header
    if (type !== 'file' || skip(name)) {
      entry.resume()
      continue
    }
    // tar-stream's entries yield Buffers.
    const blob = entry as AsyncIterable<Buffer>
    while (running.size >= CONCURRENT_BLOBS || (running.size > 0 && held + size > HELD_BYTES))
      await Promise.race(running)
    if (failure) throw failure.error
    if (size > HELD_BYTES) {
      await record(measureBlob(blob, name), name)
      continue
    }
    const chunks: Buffer[] = []
    for await (const chunk of blob) chunks.push(chunk)
    held += size
    const measuring: Promise<void> = record(measureBlob(heldBlob(chunks), name), name)
      .catch((error: unknown) => {
        failure ??= { error }
      })
      .finally(() => {
        held -= size
        running.delete(measuring)
      })
    running.add(measuring)
  }
  await Promise.all(running)
  if (failure) throw failure.error
  return layers
}

/** A blob read whole, to measure as if it streamed. */
async function* heldBlob(chunks: readonly Buffer[]): AsyncIterable<Buffer> {
  yield* chunks
}

/** The blob digests of `lists`, each once. */
function union(...lists: Array<readonly string[] | undefined>): string[] {
  return [...new Set(lists.flatMap(list => list ?? []))]
}

function isKnownLayer(value: unknown): value is KnownLayer {
  const layer = value as Partial<KnownLayer> | null
  return (
    typeof layer === 'object' &&
    layer !== null &&
    Number.isSafeInteger(layer.size) &&
    Number.isSafeInteger(layer.compressed) &&
    Array.isArray(layer.blobs) &&
    layer.blobs.every(blob => typeof blob === 'string')
  )
}

/**
 * The layers kept in `file`; none when it is missing or unreadable (it is
 * only a cache). An entry of another shape, such as an older version's bare
 * compressed size, is left out: that layer is measured again.
 */
export async function readLayerSizes(file: string): Promise<LayerSizes> {
  try {
    const sizes = JSON.parse(await fs.promises.readFile(file, 'utf8')) as unknown
    if (!sizes || typeof sizes !== 'object' || Array.isArray(sizes)) return {}
    return Object.fromEntries(Object.entries(sizes).filter(([, layer]) => isKnownLayer(layer)))
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
 * Each layer of the image in .RootFS.Layers' order (a layer listed twice
 * counts twice), with its figures: those `known` has, the rest read from
 * `docker save`, which runs only when some layer is unknown. Known blobs
 * are not read: those named by a known diff ID (the classic store's) or by
 * a known compressed digest (the containerd store's).
 */
export async function measureLayers(
  docker: DockerEngine,
  image: string,
  known: LayerSizes
): Promise<Array<KnownLayer & { diffId: string }>> {
  const diffIds = await docker.imageLayers(image)
  let measured: LayerSizes = {}
  if (diffIds.some(diffId => !(diffId in known))) {
    const knownBlobs = new Set(
      Object.entries(known).flatMap(([diffId, layer]) => [diffId, ...layer.blobs])
    )
    const skip = (entryName: string) => {
      const digest = blobDigest(entryName)
      return digest !== undefined && knownBlobs.has(digest)
    }
    measured = await docker.saveImage(image, archive =>
      readSavedLayers(archive, new Set(diffIds), skip)
    )
  }
  // A layer that no entry of the archive holds counts 0 bytes, as an empty
  // layer that an exporter leaves out would. It is kept like any other:
  // the archive of the same layers holds the same entries, so saving the
  // image again, run after run, would find it no more.
  const absent: KnownLayer = { size: 0, compressed: 0, blobs: [] }
  return diffIds.map(diffId => ({
    diffId,
    ...(measured[diffId] ?? known[diffId] ?? absent),
    blobs: union(known[diffId]?.blobs, measured[diffId]?.blobs)
  }))
}

/**
 * The image's figures; `layerSizesFile` keeps each layer's figures between
 * runs (persistent, so a rebuild with no change reads no layer).
 */
export async function measureImage(
  docker: DockerEngine,
  image: string,
  layerSizesFile: string
): Promise<ImageFigures> {
  const known = await readLayerSizes(layerSizesFile)
  const [history, layers] = await Promise.all([
    docker.imageHistory(image),
    measureLayers(docker, image, known)
  ])
  const ofImage = Object.fromEntries(layers.map(({ diffId, ...layer }) => [diffId, layer]))
  // This image's layers go last: they are the newest, kept longest.
  const others = Object.entries(known).filter(([diffId]) => !(diffId in ofImage))
  await writeLayerSizes(layerSizesFile, { ...Object.fromEntries(others), ...ofImage })
  const total = (figure: keyof LayerFigures) =>
    layers.reduce((sum, layer) => sum + layer[figure], 0)
  return {
    size: total('size'),
    compressedSize: total('compressed'),
    layers: history.filter(layer => layer.size > 0).sort((a, b) => b.size - a.size)
  }
}

/** Where each layer's figures are kept between runs. */
export function layerSizesFile(env: NodeJS.ProcessEnv): string {
  return persistentDir(env, 'layer-sizes.json')
}
