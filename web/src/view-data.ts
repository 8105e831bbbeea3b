import type { E7Rectangle, ExtensionsClient } from './client.js';
import { densityCells, densityGrid, type DensityCells } from './density.js';
import type { FeatureSet } from './feature-set.js';
import { loadFeatures, type LoadedFeatures } from './load-features.js';

/** The map draws the features themselves when a view holds at most this many; past it, counts. */
export const POINT_CAP = 50_000;

/** What a view shows: its features one by one, or the counts of a grid over it; either way its total. */
export type ViewData =
  | { readonly mode: 'points'; readonly rectangle: E7Rectangle; readonly total: number; readonly loaded: LoadedFeatures }
  | { readonly mode: 'counts'; readonly rectangle: E7Rectangle; readonly total: number; readonly cells: DensityCells };

/**
 * The data of a view at `zoom`. It always asks CountFeatures (the total, and the cells if they are
 * needed); when the view holds no more than `cap` features it loads them (loadFeatures: a pan keeps
 * what stays in view). After a view of points the two calls run side by side, since the next view
 * is most likely points too, and the load stops as soon as the count says it is not needed; after a
 * view of counts the load waits for the count. Never a truncated sample: a view whose load passes
 * the cap (features added meanwhile) shows counts. Rejects with a call's error, or an AbortError.
 */
export async function loadView(
  client: ExtensionsClient,
  rectangle: E7Rectangle,
  zoom: number,
  signal: AbortSignal,
  previous: ViewData | undefined,
  onProgress: (features: FeatureSet) => void,
  cap = POINT_CAP,
): Promise<ViewData> {
  const { columns, rows } = densityGrid(rectangle, zoom);
  const counting = client.countFeatures({ rectangle, columns, rows }, { signal });
  const kept = previous?.mode === 'points' ? previous.loaded : undefined;
  const loads = new AbortController();
  const stop = (): void => loads.abort(signal.reason);
  signal.addEventListener('abort', stop, { once: true });
  const load = (): Promise<LoadedFeatures> => loadFeatures(client, rectangle, loads.signal, onProgress, cap, kept);
  const early = previous === undefined || previous.mode === 'points' ? load() : undefined;
  // A load given up on may still reject (cancelled): that is expected, not an error to report.
  early?.catch(() => {});
  try {
    const answer = await counting;
    const total = Number(answer.total);
    const counts = (): ViewData => ({ mode: 'counts', rectangle, total, cells: densityCells(rectangle, answer, zoom) });
    if (total > cap) return counts();
    const loaded = await (early ?? load());
    if (!loaded.complete) return counts();
    return { mode: 'points', rectangle, total: loaded.features.size, loaded };
  } finally {
    // Past the count's verdict (or its failure) a load still running is not needed.
    loads.abort();
    signal.removeEventListener('abort', stop);
  }
}
