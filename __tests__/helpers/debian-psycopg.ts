// psycopg for the examples' requirements.txt where PyPI cannot be reached:
// the pure-Python psycopg that Debian's trixie ships (python3-psycopg), at
// its own upstream version, as a distribution for TestPythonIndex. The image
// runs trixie, so the files come from a trixie container, not from the host.
import fs from 'node:fs'
import path from 'node:path'
import { docker } from './docker.js'
import { type PythonDistribution } from './python-index.js'
import { tempDir } from './tmp.js'

const DIST_PACKAGES = 'usr/lib/python3/dist-packages'

/** psycopg's package and metadata, from python3-psycopg's .deb, unpacked and not installed. */
export async function debianPsycopg(): Promise<PythonDistribution> {
  const out = tempDir('aio-test-psycopg-')
  try {
    await docker(
      'run',
      '--rm',
      '-v',
      `${out}:/out`,
      'debian:trixie-slim',
      'sh',
      '-c',
      'apt-get update -qq && cd /tmp && apt-get download -qq python3-psycopg && dpkg-deb -x python3-psycopg_*.deb /out'
    )
    const site = path.join(out, DIST_PACKAGES)
    const distInfo = fs.readdirSync(site).find(entry => /^psycopg-.*\.dist-info$/.test(entry))
    if (!distInfo)
      throw new Error(`python3-psycopg has no psycopg-*.dist-info in /${DIST_PACKAGES}`)
    const metadata = fs.readFileSync(path.join(site, distInfo, 'METADATA'), 'utf8')
    const fields = (name: string) =>
      [...metadata.matchAll(new RegExp(`^${name}: (.*)$`, 'gm'))].map(match => match[1].trim())
    const files: Record<string, string> = {}
    for (const file of fs.readdirSync(path.join(site, 'psycopg'), { recursive: true })) {
      const relative = path.join('psycopg', String(file))
      if (fs.statSync(path.join(site, relative)).isFile())
        files[relative] = fs.readFileSync(path.join(site, relative), 'utf8')
    }
    return {
      name: 'psycopg',
      version: fields('Version')[0],
      files,
      // Extras' requirements (psycopg-binary, psycopg-pool, test tools) are not served.
      requires: fields('Requires-Dist').filter(requirement => !/\bextra ==/.test(requirement)),
      requiresPython: fields('Requires-Python')[0]
    }
  } finally {
    fs.rmSync(out, { recursive: true, force: true })
  }
}

/** The `psycopg==X` pin of a requirements.txt. */
export function psycopgPin(requirementsFile: string): string {
  const pin = /^psycopg==(\S+)$/m.exec(fs.readFileSync(requirementsFile, 'utf8'))?.[1]
  if (!pin) throw new Error(`${requirementsFile} does not pin psycopg==VERSION`)
  return pin
}
