import { rectangleContains, type E7Rectangle, type ExtensionsClient } from './client.js';
import { FeatureSet } from './feature-set.js';

const BATCH_SIZE = 8192;

export interface LoadedFeatures {
  readonly rectangle: E7Rectangle;
  readonly features: FeatureSet;
  /** False when the view holds more than the cap: `features` then holds only the first `cap` (never drawn as the view). */
  readonly complete: boolean;
}

/**
 * The parts of `next` outside `previous`, as at most four rectangles that overlap neither `previous`
 * nor each other (E7 coordinates are integers, so an edge moves by one).
 */
export function rectangleDifference(next: E7Rectangle, previous: E7Rectangle): E7Rectangle[] {
  const overlaps =
    next.lo.latitude <= previous.hi.latitude &&
    next.hi.latitude >= previous.lo.latitude &&
    next.lo.longitude <= previous.hi.longitude &&
    next.hi.longitude >= previous.lo.longitude;
  if (!overlaps) return [next];
  const pieces: E7Rectangle[] = [];
  const add = (loLatitude: number, loLongitude: number, hiLatitude: number, hiLongitude: number): void => {
    if (loLatitude <= hiLatitude && loLongitude <= hiLongitude) {
      pieces.push({ lo: { latitude: loLatitude, longitude: loLongitude }, hi: { latitude: hiLatitude, longitude: hiLongitude } });
    }
  };
  add(previous.hi.latitude + 1, next.lo.longitude, next.hi.latitude, next.hi.longitude);
  add(next.lo.latitude, next.lo.longitude, previous.lo.latitude - 1, next.hi.longitude);
  const bandLo = Math.max(next.lo.latitude, previous.lo.latitude);
  const bandHi = Math.min(next.hi.latitude, previous.hi.latitude);
  add(bandLo, next.lo.longitude, bandHi, previous.lo.longitude - 1);
  add(bandLo, previous.hi.longitude + 1, bandHi, next.hi.longitude);
  return pieces;
}

/**
 * The features of `rectangle`. When `previous` holds every feature of its own rectangle, the ones
 * still in view are kept and only the rest of the view is asked for (a pan loads a strip, a zoom in
 * loads nothing); otherwise the whole rectangle is. Calls ExportFeatures, `onProgress` after each
 * batch, and stops reading (cancelling the calls) once the count passes `cap`. Rejects with the
 * call's error, or an AbortError when `signal` aborts.
 */
export async function loadFeatures(
  client: ExtensionsClient,
  rectangle: E7Rectangle,
  signal: AbortSignal,
  onProgress: (features: FeatureSet) => void,
  cap = Number.POSITIVE_INFINITY,
  previous?: LoadedFeatures,
): Promise<LoadedFeatures> {
  const features = new FeatureSet();
  let pieces = [rectangle];
  if (previous?.complete) {
    const kept = previous.features;
    for (let i = 0; i < kept.size; i++) {
      const point = { latitude: Math.round(kept.latitudes[i]! * 1e7), longitude: Math.round(kept.longitudes[i]! * 1e7) };
      if (rectangleContains(rectangle, point)) features.add(point.latitude, point.longitude, kept.names[i]!);
    }
    pieces = rectangleDifference(rectangle, previous.rectangle);
  }
  if (features.size > cap) return { rectangle, features, complete: false };
  const calls = new AbortController();
  const stop = (): void => calls.abort(signal.reason);
  signal.addEventListener('abort', stop, { once: true });
  let complete = true;
  const read = async (piece: E7Rectangle): Promise<void> => {
    for await (const batch of client.exportFeatures({ rectangle: piece, batchSize: BATCH_SIZE }, { signal: calls.signal })) {
      for (const feature of batch.features) {
        if (features.size === cap) {
          complete = false;
          calls.abort();
          return;
        }
        features.add(feature.location?.latitude ?? 0, feature.location?.longitude ?? 0, feature.name);
      }
      onProgress(features);
    }
  };
  try {
    // The pieces load side by side; past the cap the first to notice cancels the others.
    const results = await Promise.allSettled(pieces.map(read));
    const failure = results.find((result) => result.status === 'rejected');
    if (signal.aborted) throw signal.reason;
    if (failure && complete) throw failure.reason;
    return { rectangle, features, complete };
  } finally {
    signal.removeEventListener('abort', stop);
  }
}
