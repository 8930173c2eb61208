// What a run's log says about its build (buildx plain progress).

/**
 * The build steps that ran rather than came from the cache: the
 * Dockerfile's own (`[stage n/m] RUN ...`), base images aside.
 */
export function stepsRun(log: string): string[] {
  const titles = new Map<string, string>()
  const cached = new Set<string>()
  for (const line of log.split('\n')) {
    const step = /^(#\d+) (.*)$/.exec(line)
    if (!step) continue
    const [, id, rest] = step
    if (rest === 'CACHED') cached.add(id)
    else if (/^\[[^\]]* \d+\/\d+\] /.test(rest) && !titles.has(id)) titles.set(id, rest)
  }
  return [...titles]
    .filter(([id, title]) => !cached.has(id) && !/^\[[^\]]*\] FROM /.test(title))
    .map(([, title]) => title)
}

/** The `docker buildx build` command lines of a run's log. */
export const buildCommands = (log: string) =>
  log.split('\n').filter(line => /^docker buildx build /.test(line))
