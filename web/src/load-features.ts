import type { ExtensionsClient, E7Rectangle } from './client.js';
import { FeatureSet } from './feature-set.js';

/** The map stops loading past this many features in view and asks the user to zoom in. */
export const FEATURE_CAP = 100_000;
const BATCH_SIZE = 8192;

export interface LoadedFeatures {
  readonly rectangle: E7Rectangle;
  readonly features: FeatureSet;
  /** False when the view holds more than the cap: `features` then holds the first FEATURE_CAP. */
  readonly complete: boolean;
}

/**
 * The features of the rectangle through ExportFeatures, `onProgress` after each batch. Stops reading
 * (and cancels the call) once the count passes the cap. Rejects with the call's error, or an
 * AbortError when `signal` aborts.
 */
export async function loadFeatures(
  client: ExtensionsClient,
  rectangle: E7Rectangle,
  signal: AbortSignal,
  onProgress: (features: FeatureSet) => void,
  cap = FEATURE_CAP,
): Promise<LoadedFeatures> {
  const features = new FeatureSet();
  const call = new AbortController();
  const stop = (): void => call.abort(signal.reason);
  signal.addEventListener('abort', stop, { once: true });
  try {
    for await (const batch of client.exportFeatures({ rectangle, batchSize: BATCH_SIZE }, { signal: call.signal })) {
      for (const feature of batch.features) {
        if (features.size === cap) {
          call.abort();
          return { rectangle, features, complete: false };
        }
        const location = feature.location;
        features.add(location?.latitude ?? 0, location?.longitude ?? 0, feature.name);
      }
      onProgress(features);
    }
    return { rectangle, features, complete: true };
  } finally {
    signal.removeEventListener('abort', stop);
  }
}
