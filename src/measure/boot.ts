// Boots the built image and measures it exactly as the contract defines:
// first boot on an empty volume and restart on the same volume, each timed
// from `docker start` to ready; idle memory after ready plus idle-settle;
// a graceful stop that must end with a clean database shutdown; with
// upgrade-from, this image on the data the image users run today left.
import type { ContainerOptions, DockerEngine, ProcessInfo } from '../engine/docker.js'
import type { HardenedRun, UpgradeRun, UpgradeStep } from '../report/model.js'
import { freePort, httpStatus, isReadyStatus, pollUntil } from './probe.js'
import type { Spec } from '../spec/types.js'
import { formatMemory, formatSeconds } from '../spec/units.js'

export interface VerifyOptions {
  image: string
  /** Names containers and volumes, and labels them for cleanup. */
  runId: string
  /** Bound on each wait for ready. */
  readyTimeoutMs?: number
  memorySamples?: number
  /** Runs while the container settles before memory is sampled (e.g. image measurements). */
  whileSettling?: () => Promise<void>
  /** Told of each step as it ends, for the log. */
  progress?: (message: string) => void
}

export interface StopResult {
  seconds: number
  /** PostgreSQL logged "database system is shut down"; absent without a database. */
  cleanDatabaseShutdown?: boolean
}

export interface RuntimeFacts {
  /** TCP ports something listens on inside the container, after first boot. */
  listeningPorts: number[]
  /** The ports allowed to listen: the app's, and PostgreSQL's when opened by run-env. */
  expectedPorts: number[]
  /** A row written before the graceful stop was read back after the restart (absent without a database). */
  dataKept?: boolean
  /** The boot under the hardened profile (absent with verify-hardened false). */
  hardened?: HardenedRun
  /** The upgrade from the image users run today (absent without upgrade-from). */
  upgrade?: UpgradeRun
}

export interface VerifyResult {
  /** Milliseconds from `docker start` to ready, first boot (initdb included). */
  startupMs: number
  /** Milliseconds from `docker start` to ready, on the data of the first boot. */
  restartMs: number
  idleMemory: { samples: number[]; median: number; max: number }
  processes: ProcessInfo[]
  stop: StopResult
  runtime: RuntimeFacts
  /** Milliseconds spent waiting on the container: boots, settling, sampling, stops. */
  waitedMs: number
}

export class NotReadyError extends Error {}

export const RUN_LABEL = 'aio-image.run'
const POLL_INTERVAL_MS = 50
const SHUTDOWN_LINE = 'database system is shut down'
/** The hardened boot's user: an uid that no passwd entry names, with group 0, as OpenShift assigns. */
export const HARDENED_USER = '12345:0'
/** What the app's run script (templates/run-app.sh) logs at each start, right before it runs the migrate command. */
export const MIGRATION_LINE = 'aio: running the migration command'

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? sorted[middle]
    : Math.round((sorted[middle - 1] + sorted[middle]) / 2)
}

const TCP_LISTEN = '0A'

/** Ports in state LISTEN in /proc/net/tcp and /proc/net/tcp6 text. */
export function listeningPorts(procNetTcp: string): number[] {
  const ports = new Set<number>()
  for (const line of procNetTcp.split('\n')) {
    const fields = line.trim().split(/\s+/)
    // sl local_address rem_address st ...; local_address is HEXIP:HEXPORT
    if (fields.length < 4 || fields[3] !== TCP_LISTEN) continue
    const port = parseInt(fields[1].split(':')[1], 16)
    if (Number.isInteger(port)) ports.add(port)
  }
  return [...ports].sort((a, b) => a - b)
}

/** The ports the spec declares: the app's, plus 5432 when run-env opens PostgreSQL. */
export function expectedPorts(spec: Spec): number[] {
  const ports = [spec.app.port]
  const external = spec.runEnv.EXTERNAL_ACCESS_ENABLE
  if (spec.postgres && external !== undefined && /^(true|1|yes)$/i.test(external)) ports.push(5432)
  return ports.sort((a, b) => a - b)
}

export class Verifier {
  private readonly readyTimeoutMs: number

  constructor(
    private readonly docker: DockerEngine,
    private readonly spec: Spec,
    private readonly options: VerifyOptions
  ) {
    this.readyTimeoutMs = options.readyTimeoutMs ?? 120_000
  }

  async run(): Promise<VerifyResult> {
    const { docker, spec, options } = this
    const labels = { [RUN_LABEL]: options.runId }
    // Each variant of a run boots on a volume of its own.
    const instance = `aio-${options.runId}${spec.variant ? `-${spec.variant}` : ''}`
    const volume = `${instance}-data`
    const hostPort = await freePort()
    await docker.createVolume(volume, labels)
    const container = await docker.createContainer({
      name: instance,
      image: options.image,
      labels,
      env: spec.runEnv,
      volume,
      ports: [[hostPort, spec.app.port]]
    })

    const progress = options.progress ?? (() => undefined)
    const startupMs = await this.waiting(this.startAndTimeReady(container, hostPort))
    progress(`first boot: ready in ${formatSeconds(startupMs)} s`)
    await this.waiting(Promise.all([options.whileSettling?.(), sleep(spec.idleSettle)]))
    const samples = await this.waiting(docker.memorySamples(container, options.memorySamples ?? 5))
    const processes = await docker.processes(container)
    progress(`idle memory: ${samples.map(formatMemory).join(', ')}`)
    const listening = listeningPorts(
      (await docker.exec(container, ['cat', '/proc/net/tcp', '/proc/net/tcp6'])).stdout
    )
    if (spec.postgres) await this.writeMarker(container)
    const stop = await this.waiting(this.stop(container))
    progress(`graceful stop: ${formatSeconds(stop.seconds * 1000)} s`)
    const restartMs = await this.waiting(this.startAndTimeReady(container, hostPort))
    progress(`restart: ready in ${formatSeconds(restartMs)} s`)
    const dataKept = spec.postgres ? await this.markerKept(container) : undefined
    await this.waiting(this.stop(container))
    await docker.removeContainer(container)
    const hardened = spec.verifyHardened
      ? await this.waiting(this.hardenedRun(`${instance}-hardened`, labels))
      : undefined
    if (hardened) progress(`hardened run as ${hardened.user}: ${hardenedOutcome(hardened)}`)
    const upgrade = spec.upgradeFrom
      ? await this.waiting(this.upgradeRun(spec.upgradeFrom, `${instance}-upgrade`, labels))
      : undefined
    if (upgrade) progress(`upgrade from ${upgrade.from}: ${upgradeOutcome(upgrade)}`)
    return {
      startupMs,
      restartMs,
      idleMemory: { samples, median: median(samples), max: Math.max(...samples) },
      processes,
      stop,
      runtime: {
        listeningPorts: listening,
        expectedPorts: expectedPorts(spec),
        dataKept,
        ...(hardened && { hardened }),
        ...(upgrade && { upgrade })
      },
      waitedMs: this.waitedMs
    }
  }

  private waitedMs = 0

  /** Awaits a wait on the container, adding its duration to waitedMs (what is not the action's own overhead). */
  private async waiting<T>(wait: Promise<T>): Promise<T> {
    const started = performance.now()
    try {
      return await wait
    } finally {
      this.waitedMs += performance.now() - started
    }
  }

  // A row committed before the graceful stop must be there after the
  // restart. It goes into the maintenance database `postgres`, never the
  // app's, and the container is discarded after verification anyway.
  private async writeMarker(container: string): Promise<void> {
    const sql = `CREATE TABLE IF NOT EXISTS aio_image_check (run text); INSERT INTO aio_image_check VALUES ('${this.options.runId}')`
    const result = await this.docker.exec(container, [
      'psql',
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-U',
      'postgres',
      '-d',
      'postgres',
      '-c',
      sql
    ])
    if (result.exitCode !== 0)
      throw new Error(`could not write the restart check row: ${result.stderr.trim()}`)
  }

  private async markerKept(container: string): Promise<boolean> {
    const result = await this.docker.exec(container, [
      'psql',
      '-X',
      '-A',
      '-t',
      '-U',
      'postgres',
      '-d',
      'postgres',
      '-c',
      'SELECT run FROM aio_image_check'
    ])
    return result.exitCode === 0 && result.stdout.split('\n').includes(this.options.runId)
  }

  /**
   * One more boot, on a fresh volume, under the hardened profile as an
   * arbitrary non-root uid: it must get ready and stop cleanly. Not being
   * ready is the check's failure, not the run's: the image still works
   * under Docker's defaults.
   */
  private async hardenedRun(name: string, labels: Record<string, string>): Promise<HardenedRun> {
    const volume = `${name}-data`
    await this.docker.createVolume(volume, labels)
    const hardened = { user: HARDENED_USER }
    const container = { name, image: this.options.image, volume, labels, hardened }
    return this.withContainer(container, async (created, hostPort) => {
      try {
        const readyMs = await this.startAndTimeReady(created, hostPort)
        const stop = await this.stop(created)
        return { user: HARDENED_USER, readySeconds: readyMs / 1000, stop }
      } catch (error) {
        if (!(error instanceof NotReadyError)) throw error
        return { user: HARDENED_USER, error: error.message }
      }
    })
  }

  /**
   * The upgrade check, as a user upgrades: the image users run today
   * (`from`, pulled with the engine's credentials when the engine lacks it)
   * leaves its data on a fresh volume, and this image takes it over. A
   * failed step is the check's failure, not the run's, like the hardened run's.
   */
  private async upgradeRun(
    from: string,
    name: string,
    labels: Record<string, string>
  ): Promise<UpgradeRun> {
    const { docker, options } = this
    try {
      if (!(await docker.hasImage(from))) {
        await docker.pull(from)
        options.progress?.(`upgrade from ${from}: pulled`)
      }
    } catch (error) {
      return upgradeFailed(from, 'pull', (error as Error).message)
    }
    const volume = `${name}-data`
    await docker.createVolume(volume, labels)
    return (
      (await this.leaveData({ name: `${name}-from`, image: from, volume, labels })) ??
      (await this.takeOver(from, { name, image: options.image, volume, labels }))
    )
  }

  /**
   * The upgrade's first half: the image users run today gets ready on the
   * fresh volume and gets a row written, as for the restart check, then a
   * graceful stop. Undefined when all went well, else the failure.
   */
  private leaveData(
    previous: Omit<ContainerOptions, 'env' | 'ports'>
  ): Promise<UpgradeRun | undefined> {
    const from = previous.image
    return this.withContainer(previous, async (container, hostPort) => {
      try {
        await this.startAndTimeReady(container, hostPort)
      } catch (error) {
        if (!(error instanceof NotReadyError)) throw error
        return upgradeFailed(from, 'previous-ready', error.message)
      }
      try {
        await this.writeMarker(container)
      } catch (error) {
        const lines = await this.lastLines(container)
        return upgradeFailed(from, 'marker-written', `${(error as Error).message}; ${lines}`)
      }
      await this.stop(container)
      return undefined
    })
  }

  /**
   * The upgrade's second half: this image on the volume `from` left. Its
   * entrypoint finds existing data and does what it is owed on the way to
   * ready: setup's owed first-boot SQL, then the migrate command, whose
   * failure stops the container before the app starts. Then the row must be
   * there, the log must show the migrate command ran, and the app must still
   * answer. Removed without a stop: nothing of it is measured after.
   */
  private takeOver(
    from: string,
    upgraded: Omit<ContainerOptions, 'env' | 'ports'>
  ): Promise<UpgradeRun> {
    const { docker, spec } = this
    return this.withContainer(upgraded, async (container, hostPort) => {
      let readyMs: number
      try {
        readyMs = await this.startAndTimeReady(container, hostPort)
      } catch (error) {
        if (!(error instanceof NotReadyError)) throw error
        return upgradeFailed(from, 'ready', error.message)
      }
      const failed = async (step: UpgradeStep, problem: string) =>
        upgradeFailed(from, step, `${problem}; ${await this.lastLines(container)}`, readyMs)
      if (!(await this.markerKept(container)))
        return failed('marker-kept', `the row written under ${from} is not in aio_image_check`)
      // run-app logs the line once per start, and starts the app only after
      // the command succeeded: in the log of this container, started once,
      // it is the migration run to its end on the old data.
      const migrated =
        spec.app.migrateCommand === undefined
          ? undefined
          : (await docker.logs(container, { tail: 'all' })).includes(MIGRATION_LINE)
      if (migrated === false) return failed('migrated', `no "${MIGRATION_LINE}" in the log`)
      const state = await docker.containerState(container)
      const status = state.running ? await httpStatus(hostPort, spec.app.healthPath) : undefined
      if (!isReadyStatus(status))
        return failed(
          'healthy',
          state.running
            ? `GET ${spec.app.healthPath} answered ${status ?? 'nothing'}`
            : `the container exited with code ${state.exitCode}`
        )
      return { from, readySeconds: readyMs / 1000, ...(migrated && { migrated }) }
    })
  }

  private async lastLines(container: string): Promise<string> {
    return `its last log lines:\n${await this.docker.logs(container)}`
  }

  /** Creates a container on the spec's run-env and port, hands it to `use`, and removes it however `use` ends. */
  private async withContainer<T>(
    container: Omit<ContainerOptions, 'env' | 'ports'>,
    use: (container: string, hostPort: number) => Promise<T>
  ): Promise<T> {
    const hostPort = await freePort()
    const created = await this.docker.createContainer({
      ...container,
      env: this.spec.runEnv,
      ports: [[hostPort, this.spec.app.port]]
    })
    try {
      return await use(created, hostPort)
    } finally {
      await this.docker.removeContainer(created)
    }
  }

  /** Starts the container and resolves with the milliseconds until ready. */
  private async startAndTimeReady(container: string, hostPort: number): Promise<number> {
    const { docker, spec } = this
    const failIfExited = async () => {
      const state = await docker.containerState(container)
      if (!state.running) {
        throw new NotReadyError(
          `the container exited with code ${state.exitCode} before it was ready; its last log lines:\n${await docker.logs(container)}`
        )
      }
    }
    const poll = {
      intervalMs: POLL_INTERVAL_MS,
      timeoutMs: this.readyTimeoutMs,
      check: failIfExited
    }
    const started = performance.now()
    await docker.startContainer(container)
    try {
      const [httpReadyAt, databaseReadyAt] = await Promise.all([
        pollUntil(async () => isReadyStatus(await httpStatus(hostPort, spec.app.healthPath)), poll),
        spec.postgres ? this.waitForDatabase(container, failIfExited) : Promise.resolve(started)
      ])
      return Math.max(httpReadyAt, databaseReadyAt) - started
    } catch (error) {
      if (error instanceof NotReadyError) throw error
      throw new NotReadyError(
        `${spec.name} was not ready (GET ${spec.app.healthPath} answering 2xx/3xx${spec.postgres ? ' and pg_isready' : ''}): ${(error as Error).message}; its last log lines:\n${await docker.logs(container)}`
      )
    }
  }

  /**
   * pg_isready polled inside the container by one `docker exec` running a
   * bounded loop: one exec instead of one per attempt keeps the probe
   * cheap and its timing tight.
   */
  private async waitForDatabase(
    container: string,
    failIfExited: () => Promise<void>
  ): Promise<number> {
    const attempts = Math.ceil(this.readyTimeoutMs / POLL_INTERVAL_MS)
    const loop = `i=0; until pg_isready -q --username=postgres; do i=$((i+1)); [ "$i" -lt ${attempts} ] || exit 1; sleep ${POLL_INTERVAL_MS / 1000}; done`
    for (let tries = 0; tries < 5; tries++) {
      const result = await this.docker.exec(container, ['sh', '-c', loop])
      if (result.exitCode === 0) return performance.now()
      // exec fails outright while the container is (re)starting or after it exited.
      await failIfExited()
    }
    throw new Error('pg_isready never succeeded')
  }

  private async stop(container: string): Promise<StopResult> {
    const since = new Date()
    const started = performance.now()
    await this.docker.stopContainer(container)
    const seconds = (performance.now() - started) / 1000
    const tail = await this.docker.logs(container, { tail: 20, since })
    return {
      seconds,
      cleanDatabaseShutdown: this.spec.postgres ? tail.includes(SHUTDOWN_LINE) : undefined
    }
  }
}

function hardenedOutcome({ readySeconds, stop }: HardenedRun): string {
  if (readySeconds === undefined || !stop) return 'not ready'
  return `ready in ${formatSeconds(readySeconds * 1000)} s, stopped in ${formatSeconds(stop.seconds * 1000)} s`
}

function upgradeFailed(
  from: string,
  step: UpgradeStep,
  reason: string,
  readyMs?: number
): UpgradeRun {
  return {
    from,
    ...(readyMs !== undefined && { readySeconds: readyMs / 1000 }),
    failed: { step, reason }
  }
}

function upgradeOutcome({ readySeconds, failed }: UpgradeRun): string {
  if (failed) return `failed: ${failed.reason.split('\n')[0]}`
  return `ready in ${formatSeconds(readySeconds! * 1000)} s on its data`
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}
