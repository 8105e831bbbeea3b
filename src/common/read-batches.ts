import type { Readable } from 'node:stream';

/** Resolves when `stream` has data to read, has ended, or has failed. */
function readableOrOver(stream: Readable): Promise<void> {
  if (stream.readableEnded || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('readable', done);
      stream.off('end', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('readable', done);
    stream.on('end', done);
    stream.on('close', done);
  });
}

/**
 * The chunks of an object-mode stream, in batches of everything it has buffered: `read()` in paused
 * mode, one await per batch, where `for await` over the stream costs a promise per object (about
 * half of a 1M-record CSV import's time). A stream that fails throws its error.
 */
export async function* readBatches<T>(stream: Readable): AsyncGenerator<T[]> {
  for (;;) {
    const batch: T[] = [];
    let chunk: T | null;
    while ((chunk = stream.read() as T | null) !== null) batch.push(chunk);
    if (batch.length > 0) {
      yield batch;
      continue;
    }
    if (stream.errored) throw stream.errored;
    if (stream.readableEnded) return;
    if (stream.destroyed) throw new Error('the stream was closed before its end');
    await readableOrOver(stream);
  }
}
