// What the main step hands to the post step (core.saveState / getState),
// every key in one place.
export const STATE = {
  /** Set by the main step, so the runner's second invocation knows it is the post. */
  isPost: 'isPost',
  /** Labels every container and volume of the run, for the post step's cleanup. */
  runId: 'run-id',
  /** The run's own directory (rendered/, report.json), removed by the post step. */
  workDir: 'work-dir',
  /** The local build caches to save in the post step (JSON of LocalCacheState[], one per image). */
  localCache: 'local-cache',
  /** The toolkit's temp directory of the main step (docker/build-push-action's name for it). */
  toolkitTempDir: 'tmpDir'
} as const
