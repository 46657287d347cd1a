// `conflag log 7 | head`: once the reader of our stdout (or stderr) has gone, Node reports each write as an
// 'error' event (EPIPE) on the stream, which unhandled ends the process with a stack trace. A closed pipe is the
// reader saying "enough", not a failure: the output that has nowhere to go is dropped and the command finishes
// its work as it would have (a `start` whose log reader died still stops its runs and its database cleanly),
// exiting with its own code.
const CLOSED = new Set(['EPIPE', 'ERR_STREAM_DESTROYED']);

export function dropOutputOnClosedPipe(stream: NodeJS.WritableStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (CLOSED.has(error.code ?? '')) return;
    throw error;
  });
}
