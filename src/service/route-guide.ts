import type { Feature, Point, RouteNote, RouteSummary } from '../gen/route_guide.js';
import type { FeatureIndex } from '../index/feature-index.js';
import type { Storage } from '../storage/storage.js';
import { haversineMetres, INT32_MAX, toInt32Metres } from './distance.js';
import type { ValidPoint, ValidRectangle, ValidRouteNote } from './validation.js';

export interface RouteGuideDependencies {
  readonly index: FeatureIndex;
  readonly storage: Storage;
  /** The most notes replayed at one location per received note. */
  readonly replayLimit: number;
  /** Milliseconds since the epoch; replaceable in tests. */
  readonly now?: () => number;
}

/**
 * The RouteGuide logic, free of gRPC: inputs are already validated, outputs are plain messages.
 * The transport adapter (grpc-handlers.ts) owns validation, backpressure, cancellation and status.
 */
export interface RouteGuide {
  getFeature(point: ValidPoint): Feature;
  listFeatures(rectangle: ValidRectangle): Iterable<Feature>;
  recordRoute(points: AsyncIterable<ValidPoint>): Promise<RouteSummary>;
  /**
   * For each note: store it, then `send` the notes stored earlier at its location, oldest first.
   * Storing first means a note is kept even if the client stops reading the replies.
   */
  routeChat(notes: AsyncIterable<ValidRouteNote>, send: (note: RouteNote) => Promise<void>): Promise<void>;
}

function toFeature(name: string, latitude: number, longitude: number): Feature {
  return { name, location: { latitude, longitude } };
}

export function createRouteGuide(dependencies: RouteGuideDependencies): RouteGuide {
  const { index, storage, replayLimit } = dependencies;
  const now = dependencies.now ?? Date.now;

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

    async recordRoute(points) {
      const startedAt = now();
      let pointCount = 0;
      let featureCount = 0;
      let distance = 0;
      let previous: Point | undefined;
      for await (const point of points) {
        pointCount++;
        if (index.has(point.latitude, point.longitude)) featureCount++;
        if (previous) distance += haversineMetres(previous, point);
        previous = point;
      }
      return {
        pointCount: Math.min(pointCount, INT32_MAX),
        featureCount: Math.min(featureCount, INT32_MAX),
        distance: toInt32Metres(distance),
        elapsedTime: Math.min(Math.floor((now() - startedAt) / 1000), INT32_MAX),
      };
    },

    async routeChat(notes, send) {
      for await (const note of notes) {
        const { latitude, longitude } = note.location;
        const earlierNotes = await storage.notesAt(latitude, longitude, replayLimit);
        await storage.addNote({ latitude, longitude, message: note.message });
        for (const earlier of earlierNotes) {
          await send({ location: { latitude: earlier.latitude, longitude: earlier.longitude }, message: earlier.message });
        }
      }
    },
  };
}
