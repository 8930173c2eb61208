// Figures of the built image that need no container: its size, the size of
// its layers once gzip-compressed (what a registry stores and a pull
// downloads), and the largest layers with the instruction that made them.
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import tar from 'tar-stream'
import type { DockerEngine, HistoryEntry } from '../engine/docker.js'

export interface ImageFigures {
  size: number
  compressedSize: number
  /** Non-empty layers, largest first. */
  layers: HistoryEntry[]
}

/** Bytes of `chunks` once gzip-compressed at the default level, as docker push does. */
async function gzippedLength(chunks: AsyncIterable<unknown>): Promise<number> {
  let length = 0
  await pipeline(Readable.from(chunks), createGzip(), async (compressed: AsyncIterable<Buffer>) => {
    for await (const chunk of compressed) length += chunk.length
  })
  return length
}

/**
 * Sum of the gzip-compressed layers in a `docker save` archive. Both archive
 * layouts are read: legacy (`<id>/layer.tar`) and OCI (`blobs/sha256/...`);
 * manifest.json names the layers in either.
 */
export async function compressedLayersSize(archive: Readable): Promise<number> {
  const compressed = new Map<string, number>()
  let manifest = ''
  const extract = tar.extract()
  archive.pipe(extract)
  for await (const entry of extract) {
    if (entry.header.name === 'manifest.json') {
      for await (const chunk of entry) manifest += String(chunk)
    } else if (entry.header.type === 'file' && (entry.header.size ?? 0) > 0) {
      compressed.set(entry.header.name, await gzippedLength(entry))
    } else {
      entry.resume()
    }
  }
  const layers = (JSON.parse(manifest) as Array<{ Layers: string[] }>)[0].Layers
  return layers.reduce((sum, layer) => sum + (compressed.get(layer) ?? 0), 0)
}

export async function measureImage(docker: DockerEngine, image: string): Promise<ImageFigures> {
  const [size, history, compressedSize] = await Promise.all([
    docker.imageSize(image),
    docker.imageHistory(image),
    docker.saveImage(image, compressedLayersSize)
  ])
  const layers = history.filter(layer => layer.size > 0).sort((a, b) => b.size - a.size)
  return { size, compressedSize, layers }
}
