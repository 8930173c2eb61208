// docker/build-push-action's inputs on the real engine: labels as
// docker/metadata-action writes them end up on the image (on top of its own,
// winning on the same key), a tag with capitals is built lower-cased, and
// the image's compressed size is computed once per layer.
import path from 'node:path'
import type { Readable } from 'node:stream'
import { Docker } from '../../src/engine/docker.js'
import { layerSizesFile, measureImage } from '../../src/measure/image.js'
import { build, render, type PipelineOptions } from '../../src/pipeline.js'
import { readSpecInputs } from '../../src/spec/inputs.js'
import { resolveSpec } from '../../src/spec/load.js'
import { ROOT } from '../helpers/action-runner.js'
import { docker } from '../helpers/docker.js'
import { tempDir } from '../helpers/tmp.js'
import { recordingUi } from '../helpers/ui.js'

// The `labels` output of docker/metadata-action, as a workflow hands it over.
const METADATA_LABELS = `org.opencontainers.image.title=Notes, the example
org.opencontainers.image.description=
org.opencontainers.image.url=https://github.com/Acme/notes
org.opencontainers.image.version=pr-12
org.opencontainers.image.revision=860c1904a1ce19322e91ac35af1ab07466440c37
`

describe('an image built with labels from docker/metadata-action', () => {
  const root = tempDir('aio-it-labels-')
  const engine = new Docker()
  let imageId: string
  let options: PipelineOptions

  beforeAll(async () => {
    const inputs: Record<string, string> = {
      'app-command': 'exec python3 app.py',
      context: path.join(ROOT, 'examples', 'notes'),
      'app-packages': 'python3',
      'postgres-version': 'none',
      tags: 'aio-it/Labels-Test:PR-12',
      labels: METADATA_LABELS,
      'add-hosts': 'docker:10.180.0.1',
      'no-cache': 'false',
      pull: 'false'
    }
    options = {
      spec: resolveSpec({
        inputs: readSpecInputs(name => inputs[name] ?? ''),
        workingDir: root,
        defaultName: 'aio-it-labels'
      }),
      docker: engine,
      ui: recordingUi(),
      env: { XDG_CACHE_HOME: path.join(root, 'cache') },
      workDir: path.join(root, 'work'),
      runId: 'labels'
    }
    imageId = (await build(options, await render(options))).imageId
  }, 15 * 60_000)

  afterAll(async () => {
    await docker('image', 'rm', '--force', 'aio-it/labels-test:PR-12').catch(() => undefined)
  })

  it('carries each label, the given title over its own, and its own labels beside them', async () => {
    const labels = JSON.parse(
      await docker('image', 'inspect', '--format', '{{json .Config.Labels}}', imageId)
    ) as Record<string, string>
    expect(labels).toMatchObject({
      'org.opencontainers.image.title': 'Notes, the example',
      'org.opencontainers.image.description': '',
      'org.opencontainers.image.url': 'https://github.com/Acme/notes',
      'org.opencontainers.image.version': 'pr-12',
      'org.opencontainers.image.revision': '860c1904a1ce19322e91ac35af1ab07466440c37',
      'org.opencontainers.image.base.name': 'debian:trixie-slim',
      'io.github.aio-image.postgres': 'none'
    })
  })

  it('is tagged with the repository lower-cased and the tag as given', async () => {
    expect(
      await docker('image', 'inspect', '--format', '{{.Id}}', 'aio-it/labels-test:PR-12')
    ).toBe(imageId)
  })

  it('compresses its layers once: a second measure saves no archive and gives the same figure', async () => {
    const saves: string[] = []
    const counting = Object.assign(Object.create(engine) as Docker, {
      saveImage: <T>(image: string, consume: (tar: Readable) => Promise<T>) => {
        saves.push(image)
        return engine.saveImage(image, consume)
      }
    })
    const file = layerSizesFile(options.env)
    const first = await measureImage(counting, imageId, file)
    const second = await measureImage(counting, imageId, file)
    expect(saves).toEqual([imageId])
    expect(second).toEqual(first)
    expect(first.compressedSize).toBeGreaterThan(0)
  })
})
