import type { Feature, RouteNote, RouteSummary } from '../gen/messages/route_guide.js';
import { haversineMetres, toInt32Metres } from '../geo/distance.js';
import type { PointE7 } from '../geo/feature.js';
import { INT32_MAX } from '../geo/int32.js';
import type { FeatureIndex } from '../index/feature-index.js';
import type { Storage } from '../storage/storage.js';
import { throwIfAborted } from './errors.js';
import { createGroupCommit } from './group-commit.js';
import { chatOverGroupCommit } from './route-chat.js';
import type { ValidPoint, ValidRectangle, ValidRouteNote } from './validation.js';

export interface RouteGuideDependencies {
  readonly index: FeatureIndex;
  readonly storage: Storage;
  /** The most notes replayed at one location per received note. */
  readonly replayLimit: number;
  /** Milliseconds since the epoch; replaceable in tests. */
  readonly now?: () => number;
}

/** What a call brings besides its messages. */
export interface CallContext {
  /** Fires when the call is over for the client: cancelled, past its deadline, or ended by shutdown. */
  readonly signal: AbortSignal;
}

/**
 * The RouteGuide logic, free of any transport: inputs are validated messages, outputs are plain
 * messages, and cancellation arrives as the context's AbortSignal (the logic then throws CallAborted).
 * Transports own decoding, backpressure, deadlines and status mapping.
 */
export interface RouteGuide {
  getFeature(point: ValidPoint): Feature;
  /** Lazily, so that a transport streams any number of hits holding one at a time. */
  listFeatures(rectangle: ValidRectangle): Iterable<Feature>;
  /** `points` in batches, as they arrived: a long route then costs one await per batch, not per point. */
  recordRoute(points: AsyncIterable<readonly ValidPoint[]>, context: CallContext): Promise<RouteSummary>;
  /**
   * For each note: store it, then reply with the notes stored earlier at its location, oldest first.
   * Notes are stored through one group commit shared by every stream (group-commit.ts): a stream
   * reads its next note before the previous one commits, and a note is answered only once it is
   * committed, so it is kept even if the client stops reading the replies. Replies keep the
   * stream's order, and come as the caller takes them (route-chat.ts). Without a context (PostNote)
   * nothing aborts the chat.
   */
  routeChat(notes: AsyncIterable<ValidRouteNote> | Iterable<ValidRouteNote>, context?: CallContext): AsyncIterable<RouteNote>;
}

function toFeature(name: string, latitude: number, longitude: number): Feature {
  return { name, location: { latitude, longitude } };
}

export function createRouteGuide(dependencies: RouteGuideDependencies): RouteGuide {
  const { index, storage, replayLimit } = dependencies;
  const now = dependencies.now ?? Date.now;
  // Every RouteChat stream and PostNote call of this guide shares one group commit.
  const commits = createGroupCommit({ storage, replayLimit });

  return {
    getFeature(point) {
      const found = index.at(point.latitude, point.longitude);
      return toFeature(found?.name ?? '', point.latitude, point.longitude);
    },

    listFeatures({ lo, hi }) {
      const box = {
        minLatitude: Math.min(lo.latitude, hi.latitude),
        maxLatitude: Math.max(lo.latitude, hi.latitude),
        minLongitude: Math.min(lo.longitude, hi.longitude),
        maxLongitude: Math.max(lo.longitude, hi.longitude),
      };
      // Features built by the traversal itself: one object per hit, one generator, on the hottest path.
      return index.within(box, toFeature);
    },

    async recordRoute(points, { signal }) {
      const startedAt = now();
      let pointCount = 0;
      let featureCount = 0;
      let distance = 0;
      let previous: PointE7 | undefined;
      for await (const batch of points) {
        throwIfAborted(signal);
        for (const point of batch) {
          pointCount++;
          if (index.has(point.latitude, point.longitude)) featureCount++;
          if (previous) distance += haversineMetres(previous, point);
          previous = point;
        }
      }
      throwIfAborted(signal);
      return {
        pointCount: Math.min(pointCount, INT32_MAX),
        featureCount: Math.min(featureCount, INT32_MAX),
        distance: toInt32Metres(distance),
        elapsedTime: Math.min(Math.floor((now() - startedAt) / 1000), INT32_MAX),
      };
    },

    routeChat(notes, context) {
      return chatOverGroupCommit(notes, context, commits);
    },
  };
}
