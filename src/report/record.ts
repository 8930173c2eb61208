// The report, built straight from what was measured: the build, the image
// (size, compressed size, layers) and, when verified, the booted container.
// Checks come after, from the judge, which reads this same record.
import type { ImageFigures } from '../measure/image.js'
import type { VerifyResult } from '../measure/boot.js'
import { isUpgradeSourceLayer } from '../render/postgres.js'
import type { Spec } from '../spec/types.js'
import { REPORT_VERSION, type Report } from './model.js'

export interface Measurements {
  spec: Spec
  imageId: string
  buildSeconds: number
  image: ImageFigures
  /** Absent with verify: false. */
  verified?: VerifyResult
  /** The pipeline's wall time less the build and the container waits. */
  overheadSeconds: number
}

const LARGEST_LAYERS = 5

/** The record of the measurements, with no checks judged yet. */
export function buildReport(measured: Measurements): Report {
  const { spec, image, verified } = measured
  return {
    version: REPORT_VERSION,
    name: spec.name,
    image: {
      id: measured.imageId,
      tags: spec.tags,
      size: image.size,
      compressedSize: image.compressedSize,
      // with the older majors' servers (postgres-upgrade-from) always: their size is a cost of their own
      largestLayers: image.layers
        .filter((layer, rank) => rank < LARGEST_LAYERS || isUpgradeSourceLayer(layer.createdBy))
        .map(layer => ({ size: layer.size, createdBy: instruction(layer.createdBy) }))
    },
    build: { seconds: round3(measured.buildSeconds) },
    overhead: { seconds: round3(measured.overheadSeconds) },
    ...(verified && {
      startup: {
        firstBoot: round3(verified.startupMs / 1000),
        restart: round3(verified.restartMs / 1000)
      },
      memory: {
        idle: verified.idleMemory,
        processes: verified.processes.map(p => ({
          command: p.command,
          uid: p.uid,
          rss: p.rssBytes
        }))
      },
      stop: {
        seconds: round3(verified.stop.seconds),
        cleanDatabaseShutdown: verified.stop.cleanDatabaseShutdown
      },
      runtime: verified.runtime
    }),
    checks: [],
    passed: true
  }
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000
}

/** `docker history`'s CreatedBy as the Dockerfile instruction that made the layer. */
export function instruction(createdBy: string): string {
  if (createdBy.trim() === '') return '(base image)'
  return createdBy
    .replace(/^\/bin\/sh -c #\(nop\)\s*/, '')
    .replace(/^(RUN )?\/bin\/sh -c /, 'RUN ')
    .replace(/\s*# buildkit$/, '')
    .replace(/\s+/g, ' ')
    .trim()
}
