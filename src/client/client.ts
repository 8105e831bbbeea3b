import { once } from 'node:events';
import {
  credentials as grpcCredentials,
  Metadata,
  type CallOptions,
  type ChannelCredentials,
  type ClientOptions,
  type ClientWritableStream,
} from '@grpc/grpc-js';
import type { Feature, Point, Rectangle, RouteNote, RouteSummary } from '../gen/messages/route_guide.js';
import { RouteGuideClient as GeneratedClient } from '../gen/grpc-js/route_guide.js';

export interface RouteGuideClientOptions {
  /** Plaintext when omitted. */
  readonly credentials?: ChannelCredentials;
  readonly channelOptions?: Partial<ClientOptions>;
}

export interface CallSettings {
  /** Milliseconds from now; the call fails with DEADLINE_EXCEEDED after it. */
  readonly timeoutMs?: number;
}

/** A typed RouteGuide client: promises for unary and client-streaming calls, async iterables for streams. */
export interface RouteGuideClient {
  getFeature(point: Point, settings?: CallSettings): Promise<Feature>;
  listFeatures(rectangle: Rectangle, settings?: CallSettings): AsyncIterable<Feature>;
  recordRoute(points: Iterable<Point> | AsyncIterable<Point>, settings?: CallSettings): Promise<RouteSummary>;
  /** Sends `notes` (closing the stream after the last) while yielding the notes the server sends. */
  routeChat(notes: Iterable<RouteNote> | AsyncIterable<RouteNote>, settings?: CallSettings): AsyncIterable<RouteNote>;
  /** The generated grpc-js client, for what this wrapper does not cover. */
  readonly raw: GeneratedClient;
  close(): void;
}

function callOptions(settings: CallSettings | undefined): Partial<CallOptions> {
  return settings?.timeoutMs === undefined ? {} : { deadline: Date.now() + settings.timeoutMs };
}

/**
 * Writes every message with backpressure, then half-closes; errors cancel the call. Stops taking
 * messages once `stop` fires (the server has ended the call), so an endless input is not read on.
 */
async function pump<T>(call: ClientWritableStream<T>, messages: Iterable<T> | AsyncIterable<T>, stop?: AbortSignal): Promise<void> {
  try {
    for await (const message of messages) {
      if (stop?.aborted) return;
      if (!call.write(message)) await once(call, 'drain');
    }
    if (!stop?.aborted) call.end();
  } catch (error) {
    call.cancel();
    throw error;
  }
}

export function createRouteGuideClient(target: string, options: RouteGuideClientOptions = {}): RouteGuideClient {
  const raw = new GeneratedClient(target, options.credentials ?? grpcCredentials.createInsecure(), options.channelOptions);

  return {
    raw,

    getFeature(point, settings) {
      return new Promise((resolve, reject) => {
        raw.getFeature(point, new Metadata(), callOptions(settings), (error, feature) => (error ? reject(error) : resolve(feature)));
      });
    },

    listFeatures(rectangle, settings) {
      return raw.listFeatures(rectangle, callOptions(settings));
    },

    recordRoute(points, settings) {
      return new Promise((resolve, reject) => {
        const call = raw.recordRoute(callOptions(settings), (error, summary) => (error ? reject(error) : resolve(summary)));
        // The call's own callback reports the outcome; a failing input also cancels the call.
        pump(call, points).catch(reject);
      });
    },

    routeChat(notes, settings) {
      const call = raw.routeChat(callOptions(settings));
      const ended = new AbortController();
      const pumping = pump(call, notes, ended.signal);
      // A failing input cancels the call, which ends the iteration below with CANCELLED; surface the
      // input's own error instead.
      let inputError: unknown;
      pumping.catch((error: unknown) => {
        inputError = error;
      });
      return (async function* received() {
        try {
          for await (const note of call) yield note as RouteNote;
        } catch (error) {
          throw inputError ?? error;
        } finally {
          ended.abort();
        }
        if (inputError) throw inputError;
      })();
    },

    close() {
      raw.close();
    },
  };
}
