import { lookup } from 'node:dns/promises';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { ServerCredentials, type Server } from '@grpc/grpc-js';
import { formatHostPort } from '../common/host-port.js';
import { ListenError } from '../common/listen-error.js';
import type { ServerTls } from '../common/tls.js';
import type { Refusals } from '../observability/refusals.js';

/** Every HTTP/2 connection opens with these 24 bytes (RFC 9113, section 3.4). */
const PREFACE_BYTES = 24;

export interface OwnedListenerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** TLS, done here rather than by grpc-js; plaintext when omitted. */
  readonly tls?: ServerTls;
  /** Connections open at once; past it a new one is closed at once. */
  readonly maxConnections: number;
  /** A new connection's TLS handshake and HTTP/2 preface must arrive within this. */
  readonly setupTimeoutMs: number;
  readonly refusals: Refusals;
}

export interface OwnedListener {
  readonly port: number;
  /** Stops accepting connections; those handed to grpc-js are its own to close. */
  close(): void;
  /** Also ends the connections still setting up. */
  destroy(): void;
}

function listen(server: NetServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

/** Calls `ready` once the first 24 bytes have arrived, handing them back to the socket unread. */
function awaitPreface(socket: Socket, ready: () => void): void {
  const chunks: Buffer[] = [];
  let length = 0;
  const onData = (chunk: Buffer): void => {
    chunks.push(chunk);
    length += chunk.length;
    if (length < PREFACE_BYTES) return;
    socket.off('data', onData);
    socket.pause();
    socket.unshift(Buffer.concat(chunks));
    ready();
  };
  socket.on('data', onData);
}

/**
 * Owns the gRPC port's listening sockets and hands grpc-js each connection once it has set up
 * (grpc-js's `createConnectionInjector`), because grpc-js itself caps neither the connections nor
 * the time a new one may take. A connection past `maxConnections` is closed at once; one whose TLS
 * handshake and HTTP/2 preface have not arrived within `setupTimeoutMs` is closed then. TLS is done
 * here, so grpc-js gets a connection already secured (its calls still read the peer's certificate).
 * Listens on every address the host resolves to, as grpc-js's bind does.
 */
export async function listenOwned(grpcServer: Server, options: OwnedListenerOptions): Promise<OwnedListener> {
  const { refusals, maxConnections, setupTimeoutMs } = options;
  const injector = grpcServer.createConnectionInjector(ServerCredentials.createInsecure());
  const settingUp = new Set<Socket>();
  let open = 0;
  const tlsServer =
    options.tls === undefined
      ? undefined
      : createTlsServer({
          cert: options.tls.cert,
          key: options.tls.key,
          ALPNProtocols: ['h2'],
          ...(options.tls.clientCa ? { ca: options.tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
        });
  // A failed handshake (no client certificate, a plaintext client) ends its socket; nothing to log.
  tlsServer?.on('tlsClientError', () => {});
  /** Connections in their TLS handshake, by remote address and port: what each does once secured. */
  const handshaking = new Map<string, (socket: TLSSocket) => void>();
  tlsServer?.on('secureConnection', (socket: TLSSocket) => {
    const key = `${socket.remoteAddress}|${socket.remotePort}`;
    const secured = handshaking.get(key);
    handshaking.delete(key);
    secured?.(socket);
  });

  const accept = (raw: Socket): void => {
    if (open >= maxConnections) {
      refusals.refuse('grpc_max_connections');
      raw.destroy();
      return;
    }
    open++;
    settingUp.add(raw);
    const timer = setTimeout(() => {
      refusals.refuse('grpc_connection_setup_timeout');
      raw.destroy();
    }, setupTimeoutMs);
    raw.on('error', () => {});
    raw.once('close', () => {
      open--;
      clearTimeout(timer);
      settingUp.delete(raw);
    });
    const ready = (socket: Socket): void => {
      clearTimeout(timer);
      settingUp.delete(raw);
      injector.injectConnection(socket);
    };
    if (tlsServer) {
      const key = `${raw.remoteAddress}|${raw.remotePort}`;
      handshaking.set(key, (socket) => awaitPreface(socket, () => ready(socket)));
      raw.once('close', () => handshaking.delete(key));
      tlsServer.emit('connection', raw);
    } else {
      awaitPreface(raw, () => ready(raw));
    }
  };

  const display = formatHostPort(options.host, options.port);
  let addresses: string[];
  try {
    addresses = [...new Set((await lookup(options.host, { all: true })).map((entry) => entry.address))];
  } catch (error) {
    throw new ListenError(`cannot listen on ${display}: ${(error as Error).message}`, { cause: error });
  }
  // As grpc-js binds: every address it can (localhost's ::1 may be missing), failing only if none.
  const servers: NetServer[] = [];
  let port = options.port;
  let firstFailure: unknown;
  for (const address of addresses) {
    const server = createNetServer(accept);
    try {
      // The first address bound picks the port when asked for 0; the others take the same one.
      port = await listen(server, address, port);
      servers.push(server);
    } catch (error) {
      firstFailure ??= error;
    }
  }
  if (servers.length === 0) {
    throw new ListenError(`cannot listen on ${display}: ${(firstFailure as Error).message}`, { cause: firstFailure });
  }

  const close = (): void => {
    for (const server of servers) if (server.listening) server.close();
  };
  return {
    port,
    close,
    destroy() {
      close();
      for (const socket of settingUp) socket.destroy();
    },
  };
}
