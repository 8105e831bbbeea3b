import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

/** A TCP connection that sends `bytes` (maybe nothing) and stops; resolves once it is open. */
export function stalledConnection(port: number, bytes = ''): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      if (bytes !== '') socket.write(bytes);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** A TLS connection (ALPN `alpn`) that finishes its handshake, sends `bytes` and stops. */
export function stalledTlsConnection(port: number, ca: Buffer, alpn: string, bytes = ''): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectTls({ port, host: '127.0.0.1', ca, servername: 'localhost', ALPNProtocols: [alpn] }, () => {
      if (bytes !== '') socket.write(bytes);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Resolves with how many milliseconds the socket stayed open after this call, once the server closes it. */
export function closedAfter(socket: Socket): Promise<number> {
  const started = performance.now();
  socket.on('error', () => {});
  // Read whatever comes, so that the server's end of the connection is seen.
  socket.resume();
  return new Promise((resolve) => {
    if (socket.destroyed) resolve(0);
    else socket.once('close', () => resolve(performance.now() - started));
  });
}

/** The count a Prometheus text exposition gives `routeguide_connections_refused_total` for `reason`. */
export function refusedCount(metrics: string, reason: string): number {
  const match = new RegExp(`^routeguide_connections_refused_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(metrics);
  return match ? Number(match[1]) : Number.NaN;
}
