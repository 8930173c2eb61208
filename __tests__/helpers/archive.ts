// Tar archives made in memory, the way `docker save` hands them over.
import crypto from 'node:crypto'
import { Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import tar from 'tar-stream'

/** A tar stream of `entries` (path -> content), in that order. */
export function archive(entries: Record<string, Buffer>): Readable {
  const pack = tar.pack()
  for (const [name, content] of Object.entries(entries)) pack.entry({ name }, content)
  pack.finalize()
  return Readable.from(pack as unknown as AsyncIterable<Buffer>)
}

/** `sha256:<hex>` of `content`: a layer's diff ID, or a blob's digest. */
export function digestOf(content: Buffer): string {
  return `sha256:${crypto.createHash('sha256').update(content).digest('hex')}`
}

/** The OCI-layout entry name of a blob with this content. */
export function blobName(content: Buffer): string {
  return `blobs/sha256/${digestOf(content).slice('sha256:'.length)}`
}

/** A legacy-layout `docker save` archive (Docker before 25) of an image with these layers. */
export function imageArchive(layers: readonly Buffer[]): Readable {
  const names = layers.map((_, i) => `layer${i}/layer.tar`)
  return archive({
    'manifest.json': Buffer.from(JSON.stringify([{ Config: 'config.json', Layers: names }])),
    'config.json': Buffer.from('{}'),
    ...Object.fromEntries(names.map((name, i) => [name, layers[i]]))
  })
}

/**
 * An OCI-layout `docker save` archive of an image with these layers, as
 * Docker 25+ writes it: from the classic store each layer's blob is its
 * uncompressed tar, named by its diff ID; from the containerd store, the
 * tar gzip-compressed, named by the compressed digest.
 */
export function ociArchive(layers: readonly Buffer[], store: 'classic' | 'containerd'): Readable {
  const blobs = layers.map(layer => (store === 'containerd' ? gzipSync(layer) : layer))
  const config = Buffer.from(
    JSON.stringify({ rootfs: { type: 'layers', diff_ids: layers.map(digestOf) } })
  )
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      config: { digest: digestOf(config), size: config.length },
      layers: blobs.map(blob => ({ digest: digestOf(blob), size: blob.length }))
    })
  )
  return archive({
    'oci-layout': Buffer.from('{"imageLayoutVersion":"1.0.0"}'),
    [blobName(config)]: config,
    ...Object.fromEntries(blobs.map(blob => [blobName(blob), blob])),
    [blobName(manifest)]: manifest,
    'index.json': Buffer.from(JSON.stringify({ manifests: [{ digest: digestOf(manifest) }] })),
    'manifest.json': Buffer.from(
      JSON.stringify([{ Config: blobName(config), Layers: blobs.map(blobName) }])
    )
  })
}
