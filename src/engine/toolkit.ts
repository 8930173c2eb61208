// What @docker/actions-toolkit leaves in the process that loads it.
//
// It logs through @actions/core, whose debug messages are workflow commands
// on stdout (`::debug::...`) for a runner to hide.

/**
 * Drops the toolkit's debug messages from `stream` (the CLI's stdout): a
 * terminal, or a reader of --json output, has no runner to hide them.
 * @actions/core writes each one whole, in one call.
 */
export function dropWorkflowDebug(stream: NodeJS.WritableStream): void {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean
  stream.write = ((...args: unknown[]) => {
    const [chunk] = args
    return (typeof chunk === 'string' && chunk.startsWith('::debug::')) || write(...args)
  }) as typeof stream.write
}
