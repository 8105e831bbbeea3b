import type { CountFeaturesResponse } from '../gen/messages/route_guide_extensions.js';
import type { FeatureIndex } from '../index/feature-index.js';
import type { RouteGuideExtensions } from './extensions.js';

/**
 * CountFeatures answered from the index's nodes (FeatureIndex.countCells): exact counts per cell,
 * row-major from the rectangle's low-latitude, low-longitude corner, whichever corners lo and hi are.
 */
export function createCountFeatures(index: FeatureIndex): RouteGuideExtensions['countFeatures'] {
  return ({ rectangle: { lo, hi }, columns, rows }): CountFeaturesResponse => {
    const box = {
      minLatitude: Math.min(lo.latitude, hi.latitude),
      maxLatitude: Math.max(lo.latitude, hi.latitude),
      minLongitude: Math.min(lo.longitude, hi.longitude),
      maxLongitude: Math.max(lo.longitude, hi.longitude),
    };
    const cells = index.countCells(box, columns, rows);
    const counts = new Array<number>(cells.length);
    let total = 0;
    for (let i = 0; i < cells.length; i++) {
      counts[i] = cells[i]!;
      total += cells[i]!;
    }
    return { counts, total, columns, rows };
  };
}
