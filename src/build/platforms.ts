// Which platforms a run builds: the native image that verification boots,
// and the whole platform list when it names more, if the builder can.
// Pure.
import {
  builderNote,
  classicStoreRemedy,
  dockerDriverOnClassicStore,
  type Builder
} from './builder.js'

export class PlatformError extends Error {}

/** os/arch[/variant] equality, where arm64's v8 and amd64's v1 are the defaults. */
export function samePlatform(a: string, b: string): boolean {
  const parts = (platform: string) => {
    const [os, arch, variant] = platform.toLowerCase().split('/')
    const defaultVariant = arch === 'arm64' ? 'v8' : arch === 'amd64' ? 'v1' : ''
    return `${os}/${arch}/${variant ?? defaultVariant}`
  }
  return parts(a) === parts(b)
}

/** The builder's native platform: buildx lists it first. */
export function nativePlatform(platforms: string | undefined): string {
  return (platforms ?? '').split(',')[0]?.trim() || 'linux/amd64'
}

/** The platforms a builder's nodes list (`docker buildx inspect`: "linux/amd64, linux/386"), each once. */
export function builderPlatforms(nodes: ReadonlyArray<{ platforms?: string }>): string[] {
  const listed = nodes.flatMap(node => (node.platforms ?? '').split(','))
  return [...new Set(listed.map(platform => platform.trim()).filter(Boolean))]
}

/**
 * Whether `platforms` asks for more than the native image that verification
 * builds; throws PlatformError when the builder cannot build such a list
 * (the docker driver on the classic store builds one platform).
 */
export function needsPlatformBuild(
  platforms: readonly string[],
  builder: Builder & { native: string }
): boolean {
  if (platforms.length === 0) return false
  if (platforms.length === 1 && samePlatform(platforms[0], builder.native)) return false
  if (dockerDriverOnClassicStore(builder)) {
    throw new PlatformError(
      `\`platforms\`: ${platforms.join(', ')} names more than this machine's platform (${builder.native}); building them needs a builder that builds several platforms, but ${builderNote(builder)}, which builds one platform at a time; ${classicStoreRemedy('docker/setup-qemu-action and docker/setup-buildx-action')}`
    )
  }
  return true
}

/**
 * A warning for requested platforms the builder does not list. Not a
 * refusal: a list can leave out what the builder runs (a BuildKit built
 * without its emulator probes lists no linux/386 on amd64, which runs it
 * natively), and a builder not started yet lists none at all.
 */
export function unlistedPlatformsWarning(
  platforms: readonly string[],
  builder: Builder & { platforms: readonly string[] }
): string | undefined {
  const unlisted = platforms.filter(
    platform => !builder.platforms.some(listed => samePlatform(listed, platform))
  )
  if (builder.platforms.length === 0 || unlisted.length === 0) return undefined
  return `\`platforms\`: ${unlisted.join(', ')} ${unlisted.length === 1 ? 'is' : 'are'} not among the platforms builder "${builder.name}" lists (${builder.platforms.join(', ')}); if its build fails with "exec format error", it needs emulation (on GitHub: docker/setup-qemu-action before docker/setup-buildx-action) or a builder node of that platform`
}
