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
import type {
  CountFeaturesRequest,
  CountFeaturesResponse,
  ExportFeaturesRequest,
  FeatureBatch,
  NearestFeaturesRequest,
  NearestFeaturesResponse,
  PostNoteResponse,
} from '../gen/messages/route_guide_extensions.js';
import { RouteGuideClient as GeneratedClient } from '../gen/grpc-js/route_guide.js';
import { RouteGuideExtensionsClient as GeneratedExtensionsClient } from '../gen/grpc-js/route_guide_extensions.js';

/** TLS for the client, as PEM contents: `true` trusts the system's roots. */
export type ClientTls = true | { readonly ca?: string | Buffer; readonly cert?: string | Buffer; readonly key?: string | Buffer };

export interface RouteGuideClientOptions {
  /** TLS (or mTLS, with `cert` and `key`); plaintext when omitted. */
  readonly tls?: ClientTls;
  /** grpc-js credentials, for what `tls` does not cover; they win over `tls`. */
  readonly credentials?: ChannelCredentials;
  readonly channelOptions?: Partial<ClientOptions>;
  /**
   * A token from the server's operator (`routeguide token`), sent with every call as
   * `authorization: Bearer TOKEN`; without one, calls are anonymous.
   */
  readonly token?: string;
}

/** Per call: a deadline and a way to cancel. */
export interface CallSettings {
  /** Milliseconds from now; the call fails with DEADLINE_EXCEEDED after it. */
  readonly timeoutMs?: number;
  /** An absolute deadline; the earlier of this and `timeoutMs` applies. */
  readonly deadline?: Date;
  /** Aborting it cancels the call, which then fails with CANCELLED. */
  readonly signal?: AbortSignal;
}

/** A typed RouteGuide client: promises for unary and client-streaming calls, async iterables for streams. */
export interface RouteGuideClient {
  getFeature(point: Point, settings?: CallSettings): Promise<Feature>;
  listFeatures(rectangle: Rectangle, settings?: CallSettings): AsyncIterable<Feature>;
  recordRoute(points: Iterable<Point> | AsyncIterable<Point>, settings?: CallSettings): Promise<RouteSummary>;
  /** Sends `notes` (closing the stream after the last) while yielding the notes the server sends. */
  routeChat(notes: Iterable<RouteNote> | AsyncIterable<RouteNote>, settings?: CallSettings): AsyncIterable<RouteNote>;
  /** The nearest features to a point, nearest first; `limit` 0 means 10, `maxDistanceMeters` 0 no limit. */
  nearestFeatures(request: Partial<NearestFeaturesRequest> & Pick<NearestFeaturesRequest, 'point'>, settings?: CallSettings): Promise<NearestFeaturesResponse>;
  /** Every feature of a rectangle, many per message: the fast way to read a large set. */
  exportFeatures(request: Partial<ExportFeaturesRequest> & Pick<ExportFeaturesRequest, 'rectangle'>, settings?: CallSettings): AsyncIterable<FeatureBatch>;
  /** Notes stored from now on inside the rectangle, by any client, until cancelled (use `signal`). */
  watchNotes(rectangle: Rectangle, settings?: CallSettings): AsyncIterable<RouteNote>;
  /** One RouteChat step: stores the note and returns the notes stored earlier at its location. */
  postNote(note: RouteNote, settings?: CallSettings): Promise<PostNoteResponse>;
  /**
   * How many features lie in each cell of a `columns` x `rows` grid over the rectangle (0 means 64
   * each; at most 1024 each and 65536 cells): `counts` row-major from the low-latitude,
   * low-longitude cell, and their `total`, which equals ListFeatures' count for the rectangle.
   */
  countFeatures(request: Partial<CountFeaturesRequest> & Pick<CountFeaturesRequest, 'rectangle'>, settings?: CallSettings): Promise<CountFeaturesResponse>;
  /** The generated grpc-js clients, for what this wrapper does not cover. */
  readonly raw: GeneratedClient;
  readonly rawExtensions: GeneratedExtensionsClient;
  close(): void;
}

function channelCredentials(options: RouteGuideClientOptions): ChannelCredentials {
  if (options.credentials) return options.credentials;
  const { tls } = options;
  if (tls === undefined) return grpcCredentials.createInsecure();
  if (tls === true) return grpcCredentials.createSsl();
  const pem = (value: string | Buffer | undefined): Buffer | null => (value === undefined ? null : Buffer.from(value));
  return grpcCredentials.createSsl(pem(tls.ca), pem(tls.key), pem(tls.cert));
}

function callOptions(settings: CallSettings | undefined): Partial<CallOptions> {
  const deadlines = [settings?.deadline?.getTime(), settings?.timeoutMs === undefined ? undefined : Date.now() + settings.timeoutMs];
  const set = deadlines.filter((deadline): deadline is number => deadline !== undefined);
  return set.length === 0 ? {} : { deadline: Math.min(...set) };
}

/** Cancels `call` when `signal` aborts (at once if it already has); returns the undo. */
function cancelOnAbort(call: { cancel(): void }, signal: AbortSignal | undefined): () => void {
  if (signal === undefined) return () => {};
  const cancel = (): void => call.cancel();
  if (signal.aborted) {
    // After the current turn, so that the call's listeners are in place to report CANCELLED.
    queueMicrotask(cancel);
    return () => {};
  }
  signal.addEventListener('abort', cancel, { once: true });
  return () => signal.removeEventListener('abort', cancel);
}

/**
 * Writes every message with backpressure, then half-closes; errors cancel the call. Stops taking
 * messages once `stop` fires (the call is over), so an endless input is not read on.
 */
async function pump<T>(call: ClientWritableStream<T>, messages: Iterable<T> | AsyncIterable<T>, stop: AbortSignal): Promise<void> {
  try {
    for await (const message of messages) {
      if (stop.aborted) return;
      if (!call.write(message)) await once(call, 'drain');
    }
    if (!stop.aborted) call.end();
  } catch (error) {
    call.cancel();
    throw error;
  }
}

export function createRouteGuideClient(target: string, options: RouteGuideClientOptions = {}): RouteGuideClient {
  const credentials = channelCredentials(options);
  const raw = new GeneratedClient(target, credentials, options.channelOptions);
  // The extensions share the RouteGuide client's connection.
  const rawExtensions = new GeneratedExtensionsClient(target, credentials, { ...options.channelOptions, channelOverride: raw.getChannel() });
  const authorization = options.token === undefined ? undefined : `Bearer ${options.token}`;
  /** Each call's metadata: the token, when there is one. */
  const metadata = (): Metadata => {
    const sent = new Metadata();
    if (authorization !== undefined) sent.set('authorization', authorization);
    return sent;
  };

  /** A unary call as a promise, cancelled by the settings' signal. */
  function unary<Request, Response>(
    start: (request: Request, metadata: Metadata, options: Partial<CallOptions>, done: (error: Error | null, response?: Response) => void) => { cancel(): void },
    request: Request,
    settings: CallSettings | undefined,
  ): Promise<Response> {
    return new Promise((resolve, reject) => {
      let undo = (): void => {};
      const call = start(request, metadata(), callOptions(settings), (error, response) => {
        undo();
        if (error) reject(error);
        else resolve(response as Response);
      });
      undo = cancelOnAbort(call, settings?.signal);
    });
  }

  /** A server stream as an async iterable, cancelled by the settings' signal or by stopping early. */
  function serverStream<T>(call: AsyncIterable<unknown> & { cancel(): void }, settings: CallSettings | undefined): AsyncIterable<T> {
    const undo = cancelOnAbort(call, settings?.signal);
    return (async function* messages() {
      try {
        for await (const message of call) yield message as T;
      } finally {
        undo();
        // A consumer that stops early ends the call rather than leaving it streaming.
        call.cancel();
      }
    })();
  }

  return {
    raw,
    rawExtensions,

    getFeature(point, settings) {
      return unary<Point, Feature>((...args) => raw.getFeature(...args), point, settings);
    },

    listFeatures(rectangle, settings) {
      return serverStream<Feature>(raw.listFeatures(rectangle, metadata(), callOptions(settings)), settings);
    },

    nearestFeatures(request, settings) {
      const full: NearestFeaturesRequest = { limit: 0, maxDistanceMeters: 0, namedOnly: false, ...request };
      return unary<NearestFeaturesRequest, NearestFeaturesResponse>((...args) => rawExtensions.nearestFeatures(...args), full, settings);
    },

    exportFeatures(request, settings) {
      const full: ExportFeaturesRequest = { batchSize: 0, ...request };
      return serverStream<FeatureBatch>(rawExtensions.exportFeatures(full, metadata(), callOptions(settings)), settings);
    },

    watchNotes(rectangle, settings) {
      return serverStream<RouteNote>(rawExtensions.watchNotes(rectangle, metadata(), callOptions(settings)), settings);
    },

    postNote(note, settings) {
      return unary<RouteNote, PostNoteResponse>((...args) => rawExtensions.postNote(...args), note, settings);
    },

    countFeatures(request, settings) {
      const full: CountFeaturesRequest = { columns: 0, rows: 0, ...request };
      return unary<CountFeaturesRequest, CountFeaturesResponse>((...args) => rawExtensions.countFeatures(...args), full, settings);
    },

    recordRoute(points, settings) {
      return new Promise((resolve, reject) => {
        const ended = new AbortController();
        let undo = (): void => {};
        const call = raw.recordRoute(metadata(), callOptions(settings), (error, summary) => {
          ended.abort();
          undo();
          if (error) reject(error);
          else resolve(summary);
        });
        undo = cancelOnAbort(call, settings?.signal);
        // The call's own callback reports the outcome; a failing input also cancels the call.
        pump(call, points, ended.signal).catch(reject);
      });
    },

    routeChat(notes, settings) {
      const call = raw.routeChat(metadata(), callOptions(settings));
      const undo = cancelOnAbort(call, settings?.signal);
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
          undo();
          call.cancel();
        }
        if (inputError) throw inputError;
      })();
    },

    close() {
      rawExtensions.close();
      raw.close();
    },
  };
}
