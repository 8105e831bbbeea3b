import http2, { type ClientHttp2Stream } from 'node:http2';

export interface ClientStreams {
  /** The streams started so far, oldest first. */
  readonly streams: readonly ClientHttp2Stream[];
  /** Stops recording. */
  stop(): void;
}

/**
 * Records the HTTP/2 streams that clients connecting from now on start, until `stop()`: grpc-js
 * connects through node:http2's `connect`. A test reads on a call's stream what the client's flow
 * control allows: `stream.state.localWindowSize` is what the server may still send before the
 * client reads.
 */
export function recordClientStreams(): ClientStreams {
  const streams: ClientHttp2Stream[] = [];
  const connect = http2.connect;
  const recording = ((...args: Parameters<typeof http2.connect>) => {
    const session = connect(...args);
    const request = session.request.bind(session);
    session.request = (...requestArgs: Parameters<typeof session.request>) => {
      const stream = request(...requestArgs);
      streams.push(stream);
      return stream;
    };
    return session;
  }) as typeof http2.connect;
  http2.connect = recording;
  return {
    streams,
    stop() {
      if (http2.connect === recording) http2.connect = connect;
    },
  };
}
