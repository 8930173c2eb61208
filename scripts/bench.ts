// npm run bench: the naive hand-written image against the rendered ones.
// Builds each from cold (--no-cache), boots each the same way (the action's
// own Verifier: first boot, idle memory, graceful stop, restart) and prints
// one table with every figure and its ratio to the naive image. Figures, not
// assertions: a benchmark reports, tests judge.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { buildImage, imageLabels, installedBuildx } from '../src/build/build.js'
import { Docker } from '../src/engine/docker.js'
import { layerSizesFile, measureImage } from '../src/measure/image.js'
import { ACTION_ROOT } from '../src/paths.js'
import { writeBuildContext } from '../src/render/render.js'
import { resolveSpec } from '../src/spec/load.js'
import { type Spec } from '../src/spec/types.js'
import { formatBytes, formatMemory } from '../src/spec/units.js'
import { RUN_LABEL, Verifier } from '../src/measure/boot.js'

interface Variant {
  label: string
  spec: Spec
  /** Writes the build context, its Dockerfile at the top. */
  prepare: (contextDir: string) => Promise<void>
}

interface Row {
  label: string
  size: number
  compressed: number
  firstBoot: number
  restart: number
  idleMemory: number
  coldBuild: number
}

const docker = new Docker()
const notes = path.join(ACTION_ROOT, 'examples', 'notes')
const workRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'aio-bench-'))

function spec(inputs: Record<string, unknown>): Spec {
  return resolveSpec({
    inputs: {
      context: notes,
      'app-command': 'exec python3 app.py',
      'app-packages': ['python3', 'python3-psycopg'],
      'idle-settle': '5s',
      ...inputs
    },
    workingDir: ACTION_ROOT,
    defaultName: 'bench'
  })
}

const rendered = (label: string, s: Spec): Variant => ({
  label,
  spec: s,
  prepare: async dir => {
    await writeBuildContext(s, dir)
  }
})

// A static binary app with no language runtime: busybox's httpd serving /app.
const staticApp = fs.mkdtempSync(path.join(os.tmpdir(), 'aio-bench-static-'))
fs.writeFileSync(path.join(staticApp, 'health'), 'ok\n')

const VARIANTS: Variant[] = [
  {
    label: 'naive (hand-written, one stage)',
    spec: spec({ name: 'aio-bench-naive' }),
    prepare: async dir => {
      fs.cpSync(path.join(ACTION_ROOT, 'bench', 'naive'), dir, { recursive: true })
      fs.copyFileSync(path.join(notes, 'app.py'), path.join(dir, 'app.py'))
    }
  },
  rendered(
    'aio-image, supervisord',
    spec({ name: 'aio-bench-supervisord', supervisor: 'supervisord' })
  ),
  rendered('aio-image, s6', spec({ name: 'aio-bench-s6', supervisor: 's6' })),
  rendered(
    'aio-image, s6, static app',
    spec({
      name: 'aio-bench-static',
      supervisor: 's6',
      context: staticApp,
      'app-command': 'exec busybox httpd -f -p 8000 -h /app',
      'app-packages': ['busybox-static']
    })
  )
]

async function measure(variant: Variant, index: number): Promise<Row> {
  const contextDir = path.join(workRoot, `context-${index}`)
  await variant.prepare(contextDir)
  const built = await buildImage(docker, variant.spec, contextDir, line => console.log(line), {
    cache: { from: [], to: [], noCache: true },
    labels: imageLabels(variant.spec, process.env),
    buildx: await installedBuildx(await docker.buildxVersion())
  })
  const image = built.imageId
  const runId = `bench-${index}-${process.pid}`
  const verified = await new Verifier(docker, variant.spec, { image, runId })
    .run()
    .finally(() => docker.removeLabelled(`${RUN_LABEL}=${runId}`))
  const figures = await measureImage(docker, image, layerSizesFile(process.env))
  return {
    label: variant.label,
    size: figures.size,
    compressed: figures.compressedSize,
    firstBoot: verified.startupMs / 1000,
    restart: verified.restartMs / 1000,
    idleMemory: verified.idleMemory.max,
    coldBuild: built.seconds
  }
}

function table(rows: Row[]): string {
  const [naive] = rows
  const columns: Array<[string, (row: Row) => number, (value: number) => string]> = [
    ['image size', row => row.size, formatBytes],
    ['compressed size', row => row.compressed, formatBytes],
    ['first boot to ready', row => row.firstBoot, value => `${value.toFixed(3)} s`],
    ['restart to ready', row => row.restart, value => `${value.toFixed(3)} s`],
    ['idle memory (max)', row => row.idleMemory, formatMemory],
    ['cold build', row => row.coldBuild, value => `${value.toFixed(1)} s`]
  ]
  const lines = [
    `| figure | ${rows.map(row => row.label).join(' | ')} |`,
    `| --- |${' --- |'.repeat(rows.length)}`
  ]
  for (const [name, value, format] of columns) {
    const cells = rows.map((row, i) =>
      i === 0
        ? format(value(row))
        : `${format(value(row))} (${(value(row) / value(naive)).toFixed(2)}×)`
    )
    lines.push(`| ${name} | ${cells.join(' | ')} |`)
  }
  return lines.join('\n')
}

async function main(): Promise<void> {
  const rows: Row[] = []
  try {
    for (const [index, variant] of VARIANTS.entries()) {
      process.stderr.write(`\n== ${variant.label}\n`)
      rows.push(await measure(variant, index))
    }
  } finally {
    fs.rmSync(workRoot, { recursive: true, force: true })
    fs.rmSync(staticApp, { recursive: true, force: true })
  }
  const versions = await docker.engineVersions()
  const engine = `Docker Engine ${versions.engine}, buildx ${versions.buildx}`
  console.log(
    `\nMachine: ${os.cpus().length} cores, ${formatMemory(os.totalmem())} RAM, ${engine}; ratios are to the naive image.\n`
  )
  console.log(table(rows))
}

await main()
