// What a run knows of its buildx builder, asked once before anything is
// built: the cache plan, the platform check and the push of attestations
// all read this one description. Pure.

/** Where the Docker engine keeps images (`docker info` DriverStatus names io.containerd.snapshotter for containerd). */
export type ImageStore = 'containerd' | 'classic'

export interface Builder {
  name: string
  /** `docker`, `docker-container`, `remote`, ... */
  driver: string
  /**
   * The engine's image store, for the docker driver alone: its BuildKit runs
   * inside dockerd and builds into that store, which decides what it can
   * do. Other drivers run a BuildKit of their own, whatever the engine.
   */
  imageStore?: ImageStore
}

/**
 * The docker driver on the classic image store, which exports only inline
 * cache, builds one platform and keeps no attestations or annotations. On
 * the containerd image store the docker driver does all three, as every
 * other driver does.
 */
export function dockerDriverOnClassicStore(builder: Builder): boolean {
  return builder.driver === 'docker' && builder.imageStore !== 'containerd'
}

/** `builder "default" uses the docker driver on the classic image store`: the reason, for messages. */
export function builderNote(builder: Builder): string {
  const store = builder.imageStore ? ` on the ${builder.imageStore} image store` : ''
  return `builder "${builder.name}" uses the ${builder.driver} driver${store}`
}

/** What lifts the classic store's limits, with the setup actions that give a builder on GitHub. */
export function classicStoreRemedy(setupActions = 'docker/setup-buildx-action'): string {
  return `use a docker-container builder (on GitHub: ${setupActions}) or turn on the containerd image store`
}
