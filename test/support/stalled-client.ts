import http2 from 'node:http2';

/** gRPC's length-prefixed framing of one message. */
export function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  Buffer.from(message).copy(frame, 5);
  return frame;
}

export interface StalledCall {
  /**
   * Whether the server may send nothing more on the call: it has used up the flow-control window
   * this client grants, and the client, never reading, grants no more.
   */
  windowSpent(): boolean;
  close(): void;
}

/**
 * A client that sends one request and then never reads the response, so HTTP/2 flow control pushes
 * back on the server. (A grpc-js client that merely never reads keeps draining the connection into
 * its own memory, which hides the server's behaviour.)
 */
export function openStalledCall(port: number, path: string, request: Uint8Array, timeoutMs?: number): StalledCall {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  const headers: http2.OutgoingHttpHeaders = { ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' };
  if (timeoutMs !== undefined) headers['grpc-timeout'] = `${timeoutMs}m`;
  const stream = session.request(headers);
  stream.on('error', () => {});
  stream.end(grpcFrame(request));
  stream.pause();
  return {
    windowSpent: () => stream.state.localWindowSize === 0,
    close() {
      stream.close(http2.constants.NGHTTP2_CANCEL);
      session.destroy();
    },
  };
}
