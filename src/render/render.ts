// Spec -> the artifact set: Dockerfile, scripts and configuration files, and
// the app's files, laid out as one build context. Templates live in
// templates/; each artifact names the view that fills it, and each view
// escapes every value for that artifact's language.
import fs from 'node:fs'
import path from 'node:path'
import Mustache from 'mustache'
import { TEMPLATES_DIR } from '../paths.js'
import {
  ROLE_ATTRIBUTES,
  SUPPORTED_BASES,
  type BuildStage,
  type Dependencies,
  type Spec
} from '../spec/types.js'
import {
  postgresPackages,
  preloadLibraries,
  serverBinaries,
  UPGRADE_SOURCE_RELEASES,
  upgradeSources
} from './postgres.js'
import {
  dockerfileExecForm,
  dockerfileImage,
  dockerfilePath,
  dockerfileString,
  envName,
  nginxWord,
  pgConfName,
  pgConfString,
  pgIdentifier,
  shellQuote,
  shellWords,
  wholeNumber,
  yamlString
} from './escape.js'
import { STOP_BUDGETS, STOP_ORDER, type StopBudget } from './stop-budget.js'
import { copyContext } from './context.js'
import {
  BUILT_APP_DIR,
  DEPS_SCRIPT_MOUNT,
  PACKAGES_FILE,
  UV_IMAGE,
  buildMounts,
  cacheMount,
  envLines,
  installMounts,
  installedDir,
  madeByInstall,
  runtimeEnv,
  stageEnv
} from './dependencies.js'

export interface RenderedFile {
  /** Path inside the rendered directory. */
  path: string
  content: string
  mode: number
}

type View = Record<string, unknown>
type ViewName = 'dockerfile' | 'shell' | 'pgconf' | 'compose' | 'nginx'

interface Artifact {
  template: string
  output: string
  /** Which view fills the template; files without one are copied verbatim. */
  view?: ViewName
  executable?: boolean
  when?: (spec: Spec) => boolean
}

const withPostgres = (spec: Spec) => spec.postgres !== undefined
const withSupervisord = (spec: Spec) => spec.supervisor === 'supervisord'
const withS6 = (spec: Spec) => spec.supervisor === 's6'
const withPostgresUpgrades = (spec: Spec) => (spec.postgres?.upgradeFrom.length ?? 0) > 0
const withS6AndPostgres = (spec: Spec) => withS6(spec) && withPostgres(spec)
const withNginx = (spec: Spec) => spec.nginx !== undefined
const withS6AndNginx = (spec: Spec) => withS6(spec) && withNginx(spec)
const withDependencies = (spec: Spec) =>
  spec.app.dependencies !== undefined ||
  spec.buildStages.some(stage => stage.dependencies !== undefined)

/** Every s6 service runs the same run and finish scripts, which find their service by its directory. */
const S6_SERVICE_FILES: readonly Artifact[] = (
  [
    ['app', withS6],
    ['postgres', withS6AndPostgres],
    ['nginx', withS6AndNginx]
  ] as const
).flatMap(([service, when]) => [
  { template: 's6/run', output: `aio/etc/s6/${service}/run`, executable: true, when },
  {
    template: 's6/finish.mustache',
    output: `aio/etc/s6/${service}/finish`,
    view: 'shell' as const,
    executable: true,
    when
  }
])

const ARTIFACTS: readonly Artifact[] = [
  { template: 'Dockerfile.mustache', output: 'Dockerfile', view: 'dockerfile' },
  { template: 'compose.yaml.mustache', output: 'compose.yaml', view: 'compose' },
  { template: 'aio.env.mustache', output: 'aio/etc/aio.env', view: 'shell' },
  { template: 'common.sh', output: 'aio/lib/common.sh' },
  { template: 'entrypoint.sh', output: 'aio/lib/entrypoint', executable: true },
  { template: 'process-user.sh', output: 'aio/lib/process-user.sh' },
  { template: 'as-user.sh', output: 'aio/lib/as-user', executable: true },
  { template: 'run-app.sh', output: 'aio/lib/run-app', executable: true },
  // Run from the build context by each stage on base-image, never copied into the image.
  { template: 'check-base.sh', output: 'aio/check-base', executable: true },
  // Run from the build context by the stages that install dependencies.
  { template: 'deps.sh', output: 'aio/deps', executable: true, when: withDependencies },
  {
    template: 'app-group.sh.mustache',
    output: 'aio/lib/app-group',
    view: 'shell',
    executable: true
  },
  { template: 'setup.sh', output: 'aio/lib/setup', executable: true },
  { template: 'healthcheck.sh', output: 'aio/lib/healthcheck', executable: true },
  {
    template: 'slim-icu.sh',
    output: 'aio/lib/slim-icu',
    executable: true,
    when: withPostgres
  },
  {
    template: 'collect-postgres.sh',
    output: 'aio/lib/collect-postgres',
    executable: true,
    when: withPostgres
  },
  {
    template: 'prepare-postgres.sh',
    output: 'aio/lib/prepare-postgres',
    executable: true,
    when: withPostgres
  },
  // Finishes an interrupted upgrade in every image with PostgreSQL; upgrades with postgres-upgrade-from.
  {
    template: 'upgrade-postgres.sh',
    output: 'aio/lib/upgrade-postgres',
    executable: true,
    when: withPostgres
  },
  {
    template: 'pg-upgrade.conf.mustache',
    output: 'aio/etc/pg-upgrade.conf',
    view: 'pgconf',
    when: withPostgresUpgrades
  },
  {
    template: 'run-postgres.sh',
    output: 'aio/lib/run-postgres',
    executable: true,
    when: withPostgres
  },
  // The operator's backup and restore commands: /usr/local/bin/aio.
  {
    template: 'aio-command.sh',
    output: 'aio/bin/aio',
    executable: true,
    when: withPostgres
  },
  { template: 'pg_hba.conf', output: 'aio/etc/pg_hba.conf', when: withPostgres },
  {
    template: 'postgresql.conf.mustache',
    output: 'aio/etc/postgresql.conf',
    view: 'pgconf',
    when: withPostgres
  },
  {
    template: 'pg_ident.conf.mustache',
    output: 'aio/etc/pg_ident.conf',
    view: 'pgconf',
    when: withPostgres
  },
  {
    template: 'supervisord.conf.mustache',
    output: 'aio/etc/supervisord.conf',
    view: 'shell',
    when: withSupervisord
  },
  {
    template: 'supervisord.py',
    output: 'aio/lib/supervisord',
    executable: true,
    when: withSupervisord
  },
  { template: 'on-fatal.sh', output: 'aio/lib/on-fatal', executable: true, when: withSupervisord },
  // docker stop sends SIGTERM, Ctrl-C under docker run -it SIGINT: both stop the services in order.
  {
    template: 's6/.s6-svscan/stop-signal.mustache',
    output: 'aio/etc/s6/.s6-svscan/SIGTERM',
    view: 'shell',
    executable: true,
    when: withS6
  },
  {
    template: 's6/.s6-svscan/stop-signal.mustache',
    output: 'aio/etc/s6/.s6-svscan/SIGINT',
    view: 'shell',
    executable: true,
    when: withS6
  },
  {
    template: 's6/.s6-svscan/finish',
    output: 'aio/etc/s6/.s6-svscan/finish',
    executable: true,
    when: withS6
  },
  ...S6_SERVICE_FILES,
  {
    template: 's6/app/timeout-kill.mustache',
    output: 'aio/etc/s6/app/timeout-kill',
    view: 'shell',
    when: withS6
  },
  {
    template: 's6/postgres/down-signal',
    output: 'aio/etc/s6/postgres/down-signal',
    when: withS6AndPostgres
  },
  {
    template: 's6/postgres/timeout-kill.mustache',
    output: 'aio/etc/s6/postgres/timeout-kill',
    view: 'shell',
    when: withS6AndPostgres
  },
  { template: 'nginx.conf.mustache', output: 'aio/etc/nginx.conf', view: 'nginx', when: withNginx },
  { template: 'run-nginx.sh', output: 'aio/lib/run-nginx', executable: true, when: withNginx },
  {
    template: 's6/nginx/timeout-kill.mustache',
    output: 'aio/etc/s6/nginx/timeout-kill',
    view: 'shell',
    when: withS6AndNginx
  }
]

/** Where the app listens when nginx is in front of it (its $APP_SOCKET). */
export const APP_SOCKET = '/run/app/app.sock'

/** Where a build stage's context lies in the rendered directory. */
const stageContextDir = (stage: BuildStage) => `stages/${stage.name}/`
const stageTarget = (stage: BuildStage) => `build-${stage.name}`
/** Where build-ca-certificates lies in the rendered directory (outside aio/etc: not in the image). */
const BUILD_CA_FILE = 'aio/build/ca-certificates.crt'

/** A libpq URI over the Unix socket: no host, no password. */
export function databaseUrl(database: string, role: string): string {
  return `postgresql://${role}@/${database}?host=/run/postgresql`
}

// libnss-wrapper gives an arbitrary non-root uid the passwd entry that
// initdb, postgres and supervisord look up (process-user.sh).
function runtimePackages(spec: Spec): string[] {
  const supervisorPackage = spec.supervisor === 's6' ? 's6' : 'supervisor'
  const nginxPackage = spec.nginx ? ['nginx'] : []
  return [...new Set([supervisorPackage, ...nginxPackage, ...spec.app.packages, 'libnss-wrapper'])]
}

/** The ALTER ROLE clause for the spec's attributes: each listed one on, every other off. */
export function roleAttributesClause(attributes: readonly string[]): string {
  return ROLE_ATTRIBUTES.map(name => (attributes.includes(name) ? name : `NO${name}`)).join(' ')
}

/** postgresql.conf settings: the spec's, with the preloads its extensions need merged in. */
export function postgresSettings(spec: Spec): Array<[string, string]> {
  const settings = { ...spec.postgres?.settings }
  const preload = [
    ...(settings.shared_preload_libraries ?? '').split(','),
    ...preloadLibraries(spec.postgres?.extensions ?? [])
  ]
    .map(library => library.trim())
    .filter(library => library !== '')
  if (preload.length > 0) settings.shared_preload_libraries = [...new Set(preload)].join(',')
  return Object.entries(settings)
}

/** Each service's stop budget in the units its supervisor reads: supervisord seconds, s6 milliseconds. */
function stopBudgetValues(): View {
  const values = ({ killAfterMs, waitMs }: StopBudget) => ({
    killAfterSeconds: wholeNumber(killAfterMs / 1000),
    killAfterMs: wholeNumber(killAfterMs),
    waitMs: wholeNumber(waitMs)
  })
  return Object.fromEntries(STOP_ORDER.map(service => [service, values(STOP_BUDGETS[service])]))
}

/**
 * When a service cannot stay up, for both supervisors: it ended within
 * `upSeconds` of starting `tries` times in a row. supervisord's startsecs and
 * startretries (the tries after the first) say it; s6's finish script counts.
 */
const CRASH_LOOP = { upSeconds: 1, tries: 4 }

function crashLoopValues(): View {
  return {
    upSeconds: wholeNumber(CRASH_LOOP.upSeconds),
    upMs: wholeNumber(CRASH_LOOP.upSeconds * 1000),
    tries: wholeNumber(CRASH_LOOP.tries),
    retries: wholeNumber(CRASH_LOOP.tries - 1)
  }
}

const APP_DEPS_STAGE = 'app-deps'
const APP_CONTEXT_DIR = 'app/'

const isCompiled = (dependencies: Dependencies | undefined) =>
  dependencies !== undefined && installedDir(dependencies) === undefined

function usesUv(spec: Spec): boolean {
  return [spec.app.dependencies, ...spec.buildStages.map(stage => stage.dependencies)].some(
    dependencies => dependencies?.packageManager === 'uv'
  )
}

/** A deps stage's install: what it copies first, how it runs, where its run-time packages go. */
function dependenciesView(
  spec: Spec,
  dependencies: Dependencies,
  contextDir: string,
  workdir: string,
  mode: 'prod' | 'all',
  packagesOf: string | undefined
): View {
  return {
    manager: dependencies.packageManager,
    runtime: dependencies.runtime,
    lockfile: dependencies.files[0],
    files: dependencies.files
      .map(file => dockerfilePath(path.posix.join(contextDir, file)))
      .join(' '),
    env: stageEnv(dependencies, workdir),
    depsScriptMount: DEPS_SCRIPT_MOUNT,
    installMounts: installMounts(dependencies, spec.buildPush.secrets, spec.buildPush.ssh),
    mode,
    packagesOf: packagesOf && dockerfilePath(packagesOf),
    packagesFile: dockerfilePath(PACKAGES_FILE)
  }
}

const buildArgNames = (spec: Spec) => Object.keys(spec.buildArgs).map(envName)

/** The stage that installs (and for mix and go, builds) the app on the image's own base. */
function appDepsStage(spec: Spec): View[] {
  const dependencies = spec.app.dependencies
  if (!dependencies) return []
  const compiled = isCompiled(dependencies)
  const manager = dependencies.packageManager
  return [
    {
      purpose: `The app's dependencies, installed by ${manager} on the image's own base: the same interpreter and libc as the app runs on.`,
      stage: APP_DEPS_STAGE,
      from: dockerfileImage(spec.baseImage),
      buildArgs: buildArgNames(spec),
      checkBase: shellWords([spec.baseImage, SUPPORTED_BASES]),
      packages: shellWords(spec.app.buildPackages),
      dependencies: dependenciesView(
        spec,
        dependencies,
        APP_CONTEXT_DIR,
        '/app',
        'prod',
        compiled ? undefined : `/app/${installedDir(dependencies)}`
      ),
      workdir: '/app',
      contextDir: compiled && APP_CONTEXT_DIR,
      commands: compiled
        ? [
            `${buildMounts(dependencies)} /run/aio-deps build ${manager} ${BUILT_APP_DIR} \\\n && /run/aio-deps packages ${dependencies.runtime} ${BUILT_APP_DIR} > ${PACKAGES_FILE}`
          ]
        : []
    }
  ]
}

function appDepsCopies(spec: Spec): View[] {
  const dependencies = spec.app.dependencies
  if (!dependencies) return []
  const installed = installedDir(dependencies)
  return [
    installed
      ? { stage: APP_DEPS_STAGE, from: `/app/${installed}`, to: `/app/${installed}` }
      : { stage: APP_DEPS_STAGE, from: `${BUILT_APP_DIR}/`, to: '/app/' }
  ]
}

function buildStageView(spec: Spec, stage: BuildStage): View {
  const caches = stage.caches.map(cacheMount)
  return {
    purpose: `Build stage "${stage.name}": only what \`copy\` names reaches the image, its tools stay here.`,
    stage: stageTarget(stage),
    from: dockerfileImage(stage.from),
    buildArgs: buildArgNames(spec),
    // Stated for every stage: a missing key would be looked up in the image's view.
    checkBase: false,
    packages: shellWords(stage.packages),
    dependencies:
      stage.dependencies &&
      dependenciesView(
        spec,
        stage.dependencies,
        stageContextDir(stage),
        '/build',
        'all',
        undefined
      ),
    workdir: '/build',
    contextDir: dockerfilePath(stageContextDir(stage)),
    commands: stage.commands.map(command =>
      [...caches, dockerfileExecForm(['/bin/sh', '-c', command])].join(' ')
    )
  }
}

const VIEWS: Record<ViewName, (spec: Spec) => View> = {
  dockerfile: spec => ({
    name: spec.name,
    baseImage: dockerfileImage(spec.baseImage),
    checkBase: shellWords([spec.baseImage, SUPPORTED_BASES]),
    runtimePackages: shellWords(runtimePackages(spec)),
    appPort: spec.app.port,
    postgres: spec.postgres && {
      postgresPackages: shellWords(postgresPackages(spec.postgres)),
      slimIcu: spec.postgres.icu === 'slim',
      pgMajor: spec.postgres.version,
      serverBinaries: shellWords(serverBinaries(spec.postgres)),
      upgrading: spec.postgres.upgradeFrom.length > 0,
      upgradeSources: upgradeSources(spec.postgres).map(source => ({
        major: source.major,
        release: source.release,
        mount: dockerfilePath(source.mount),
        image: dockerfileImage(source.image),
        packages: shellWords(source.packages),
        binaries: shellWords(source.binaries)
      })),
      pgDatabase: dockerfileString(spec.postgres.database),
      pgRole: dockerfileString(spec.postgres.role),
      databaseUrl: dockerfileString(databaseUrl(spec.postgres.database, spec.postgres.role))
    },
    nginx: spec.nginx && { appSocket: dockerfileString(APP_SOCKET) },
    appEnv: envLines(spec.app.env),
    buildCaFile: spec.buildCaCertificates && dockerfilePath(BUILD_CA_FILE),
    usesUv: usesUv(spec),
    uvImage: dockerfileImage(UV_IMAGE),
    stages: [...appDepsStage(spec), ...spec.buildStages.map(stage => buildStageView(spec, stage))],
    appDependencies: spec.app.dependencies && {
      packagesFile: dockerfilePath(PACKAGES_FILE),
      runtimeEnv: runtimeEnv(spec.app.dependencies)
    },
    stageCopies: [
      ...appDepsCopies(spec),
      ...spec.buildStages.flatMap(stage =>
        stage.copy.map(copy => ({
          stage: stageTarget(stage),
          from: dockerfilePath(path.posix.resolve('/build', copy.from)),
          to: dockerfilePath(copy.to)
        }))
      )
    ],
    // A compiled app (mix, go) is its build output; the sources stay in its stage.
    appFiles: isCompiled(spec.app.dependencies) ? [] : ['app/']
  }),
  shell: spec => ({
    name: shellQuote(spec.name),
    supervisor: shellQuote(spec.supervisor),
    appCommand: shellQuote(spec.app.command),
    appPort: spec.app.port,
    healthPath: shellQuote(spec.app.healthPath),
    pgMajor: spec.postgres?.version ?? "''",
    pgDatabase: shellQuote(spec.postgres?.database ?? ''),
    pgRole: shellQuote(spec.postgres?.role ?? ''),
    pgExtensions: shellQuote((spec.postgres?.extensions ?? []).join(' ')),
    pgUpgradeFrom: shellQuote((spec.postgres?.upgradeFrom ?? []).join(' ')),
    pgUpgradeSources: shellQuote(Object.keys(UPGRADE_SOURCE_RELEASES).join(' ')),
    pgRoleAttributes: shellQuote(roleAttributesClause(spec.postgres?.roleAttributes ?? [])),
    migrateCommand: shellQuote(spec.app.migrateCommand ?? ''),
    appSocket: shellQuote(spec.nginx ? APP_SOCKET : ''),
    postgres: spec.postgres !== undefined,
    nginx: spec.nginx !== undefined,
    stop: stopBudgetValues(),
    crashLoop: crashLoopValues()
  }),
  pgconf: spec => ({
    pgMajor: spec.postgres?.version,
    upgradeFrom: (spec.postgres?.upgradeFrom ?? []).join(', '),
    preload: postgresSettings(spec)
      .filter(([key]) => key === 'shared_preload_libraries')
      .map(([, value]) => pgConfString(value)),
    pgRole: pgIdentifier(spec.postgres?.role ?? ''),
    settings: postgresSettings(spec).map(([key, value]) => ({
      key: pgConfName(key),
      value: pgConfString(value)
    }))
  }),
  compose: spec => ({
    serviceName: spec.name.replace(/[^a-z0-9_-]/g, '-'),
    image: yamlString(spec.tags[0]),
    portMapping: yamlString(`${spec.app.port}:${spec.app.port}`)
  }),
  nginx: spec => ({
    port: spec.app.port,
    appSocket: nginxWord(APP_SOCKET),
    root: spec.nginx?.root && nginxWord(spec.nginx.root),
    // Without static files, everything goes to the app.
    proxy: [...(spec.nginx?.proxy ?? []), ...(spec.nginx?.root ? [] : ['/'])].map(prefix => ({
      prefix: nginxWord(prefix)
    })),
    healthPath: nginxWord(spec.app.healthPath.split('?')[0])
  })
}

const templateCache = new Map<string, string>()
function template(name: string): string {
  let text = templateCache.get(name)
  if (text === undefined) {
    text = fs.readFileSync(path.join(TEMPLATES_DIR, name), 'utf8')
    templateCache.set(name, text)
  }
  return text
}

// Values arrive escaped for their file by the view: no HTML escaping.
function fill(text: string, view: View): string {
  return Mustache.render(text, view, {}, { escape: (value: unknown) => String(value) })
}

/** One template of templates/ filled with a view whose values are already escaped. */
export function renderTemplate(name: string, view: View): string {
  return fill(template(name), view)
}

/** The artifact files for a spec, in memory; no I/O beyond reading templates. */
export function renderArtifacts(spec: Spec): RenderedFile[] {
  const views = new Map<ViewName, View>()
  return ARTIFACTS.filter(artifact => artifact.when?.(spec) ?? true).map(artifact => {
    const text = template(artifact.template)
    let content = text
    if (artifact.view) {
      let view = views.get(artifact.view)
      if (!view) {
        view = VIEWS[artifact.view](spec)
        views.set(artifact.view, view)
      }
      content = fill(text, view)
    }
    return { path: artifact.output, content, mode: artifact.executable ? 0o755 : 0o644 }
  })
}

/**
 * Writes the artifacts and the app's files (the context, filtered by its
 * .dockerignore) into `dir`, which becomes the build context. `dir` and the
 * directories in `skip` are never app files, even inside the context.
 */
export async function writeBuildContext(
  spec: Spec,
  dir: string,
  skip: readonly string[] = []
): Promise<RenderedFile[]> {
  const files = renderArtifacts(spec)
  await fs.promises.rm(dir, { recursive: true, force: true })
  for (const file of files) {
    const target = path.join(dir, file.path)
    await fs.promises.mkdir(path.dirname(target), { recursive: true })
    await fs.promises.writeFile(target, file.content, { mode: file.mode })
  }
  // What the install makes (a venv, node_modules, _build) is made in the
  // build, on the image's base: a copy from the host would overwrite it.
  const madeIn = (context: string, dependencies: Dependencies | undefined) =>
    dependencies ? madeByInstall(dependencies).map(made => path.join(context, made)) : []
  await copyContext(spec.context, path.join(dir, 'app'), [
    dir,
    ...skip,
    ...madeIn(spec.context, spec.app.dependencies)
  ])
  for (const stage of spec.buildStages)
    await copyContext(stage.context, path.join(dir, stageContextDir(stage)), [
      dir,
      ...skip,
      ...madeIn(stage.context, stage.dependencies)
    ])
  if (spec.buildCaCertificates) {
    await fs.promises.mkdir(path.dirname(path.join(dir, BUILD_CA_FILE)), { recursive: true })
    await fs.promises.copyFile(spec.buildCaCertificates, path.join(dir, BUILD_CA_FILE))
  }
  // Numbered, so that the image runs them in the spec's order.
  const initSqlDir = path.join(dir, 'aio/etc/init-sql')
  for (const [index, file] of (spec.postgres?.initSql ?? []).entries()) {
    await fs.promises.mkdir(initSqlDir, { recursive: true })
    const target = `${String(index + 1).padStart(2, '0')}-${path.basename(file)}`
    await fs.promises.copyFile(file, path.join(initSqlDir, target))
  }
  return files
}
