// How a front end shows the pipeline's progress. The action folds each phase
// into a log group (core.group); the CLI draws a spinner per phase on a
// terminal and plain lines elsewhere. Below every stage that reports progress.
export interface Ui {
  /** Runs one phase, its log folded under `title`. */
  group<T>(title: string, phase: () => Promise<T>): Promise<T>
  info(message: string): void
  warning(message: string): void
  /** One line of a tool's own output (build and push logs): shown in the action's group, by the CLI only when asked. */
  detail(line: string): void
}
