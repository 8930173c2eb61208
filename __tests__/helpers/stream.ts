// A stand-in for process.stdout/stderr that records what is written.
export interface RecordingStream extends NodeJS.WriteStream {
  text: string
}

export function recordingStream(
  options: { tty?: boolean; columns?: number } = {}
): RecordingStream {
  const stream = {
    text: '',
    isTTY: options.tty ?? false,
    columns: options.columns,
    write(chunk: string | Uint8Array): boolean {
      stream.text += String(chunk)
      return true
    }
  }
  return stream as unknown as RecordingStream
}
