// Tar archives made in memory, the way `docker save` hands them over.
import { Readable } from 'node:stream'
import tar from 'tar-stream'

/** A tar stream of `entries` (path -> content), in that order. */
export function archive(entries: Record<string, Buffer>): Readable {
  const pack = tar.pack()
  for (const [name, content] of Object.entries(entries)) pack.entry({ name }, content)
  pack.finalize()
  return Readable.from(pack as unknown as AsyncIterable<Buffer>)
}

/** A legacy-layout `docker save` archive of an image with these layers. */
export function imageArchive(layers: readonly Buffer[]): Readable {
  const names = layers.map((_, i) => `layer${i}/layer.tar`)
  return archive({
    'manifest.json': Buffer.from(JSON.stringify([{ Config: 'config.json', Layers: names }])),
    'config.json': Buffer.from('{}'),
    ...Object.fromEntries(names.map((name, i) => [name, layers[i]]))
  })
}
