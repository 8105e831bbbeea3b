import type { Code } from '../service/errors.js';

/*
 * What a transport reports about each call to the observers (call logs, metrics), whatever its protocol.
 */

/** The protocols a call can come in by. */
export type CallProtocol = 'grpc' | 'grpc-web' | 'connect';

/** What is known about a call when it starts. */
export interface CallStart {
  /** The full path, e.g. `/routeguide.RouteGuide/GetFeature`. */
  readonly path: string;
  /** e.g. `routeguide.RouteGuide`. */
  readonly service: string;
  /** e.g. `GetFeature`. */
  readonly method: string;
  readonly type: 'unary' | 'client_stream' | 'server_stream' | 'bidi_stream';
  readonly peer: string;
  /**
   * Who is calling: its name in the auth file, or `anonymous`. Known once the call's metadata has
   * arrived, so read it when the call ends.
   */
  readonly client: string;
  /** The RPC protocol: gRPC on the gRPC port; Connect, gRPC-Web (or gRPC over HTTP/2) on the HTTP port. */
  readonly protocol: CallProtocol;
}

/** How a call ended, as the client saw it. */
export interface CallEnd {
  /** Numbered as gRPC numbers its status codes. */
  readonly code: Code;
  readonly details: string;
  readonly durationMs: number;
  readonly received: number;
  readonly sent: number;
}

/** Hooks one observer keeps for one call. */
export interface CallHooks {
  received?(): void;
  sent?(): void;
  end(start: CallStart, end: CallEnd): void;
}

/** Called as each call starts; returns that call's hooks, or nothing to ignore the call. */
export type CallObserver = (start: CallStart) => CallHooks | undefined;
