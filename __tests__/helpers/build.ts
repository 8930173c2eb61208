// Builds a test image straight through the pipeline's own render and build
// steps (no boot), for tests that inspect or run images themselves.
import path from 'node:path'
import { buildImage, imageLabels, installedBuildx } from '../../src/build/build.js'
import { Docker } from '../../src/engine/docker.js'
import { writeBuildContext } from '../../src/render/render.js'
import type { Spec } from '../../src/spec/types.js'
import { tempDir } from './tmp.js'

export async function buildTestImage(spec: Spec): Promise<string> {
  const workDir = tempDir('aio-build-')
  const contextDir = path.join(workDir, 'rendered')
  await writeBuildContext(spec, contextDir)
  const docker = new Docker()
  const settings = {
    labels: imageLabels(spec, {}),
    buildx: await installedBuildx(await docker.buildxVersion())
  }
  return (await buildImage(docker, spec, contextDir, () => undefined, settings)).imageId
}
