import { readFileSync } from 'node:fs';
import type { Point } from '../../src/gen/messages/route_guide.js';

/** The canonical database, read independently of the code under test. */
export const canonical: { location: Point; name: string }[] = JSON.parse(
  readFileSync(new URL('../../seed/route_guide_db.json', import.meta.url), 'utf8'),
);

/** Reference haversine (atan2 form), written apart from src/service/distance.ts. */
export function referenceDistance(points: readonly Point[]): number {
  const R = 6371000;
  const rad = (e7: number) => (e7 / 1e7) * (Math.PI / 180);
  let total = 0;
  for (let i = 1; i < points.length; i++) {
    const p = points[i - 1]!;
    const q = points[i]!;
    const phi1 = rad(p.latitude);
    const phi2 = rad(q.latitude);
    const dPhi = rad(q.latitude - p.latitude);
    const dLambda = rad(q.longitude - p.longitude);
    const a = Math.sin(dPhi / 2) ** 2 + Math.cos(phi1) * Math.cos(phi2) * Math.sin(dLambda / 2) ** 2;
    total += R * 2 * Math.atan2(Math.sqrt(a), Math.sqrt(1 - a));
  }
  return Math.min(Math.trunc(total), 2147483647);
}
