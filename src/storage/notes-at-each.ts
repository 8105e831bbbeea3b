import type { PointE7 } from '../geo/feature.js';
import { pointKey } from '../geo/point-key.js';
import type { StoredNote } from './storage.js';

/*
 * The step that every backend answering Storage.notesAtEach in one query shares: ask for each
 * distinct point once, then hand every point asked (repeats included) its own array of the notes found.
 */

/** The points without repeats, in the order of their first appearance. */
export function distinctPoints(points: readonly PointE7[]): PointE7[] {
  const seen = new Set<string>();
  const distinct: PointE7[] = [];
  for (const point of points) {
    const key = pointKey(point.latitude, point.longitude);
    if (seen.has(key)) continue;
    seen.add(key);
    distinct.push(point);
  }
  return distinct;
}

/**
 * For each point asked, in order, a new array of the notes `found` at it, in the order found (a
 * backend gives them oldest first at each point); a point with none gets an empty array.
 */
export function notesForEachPoint(points: readonly PointE7[], found: Iterable<StoredNote>): StoredNote[][] {
  const byPoint = new Map<string, StoredNote[]>();
  for (const note of found) {
    const key = pointKey(note.latitude, note.longitude);
    const list = byPoint.get(key);
    if (list === undefined) byPoint.set(key, [note]);
    else list.push(note);
  }
  return points.map(({ latitude, longitude }) => [...(byPoint.get(pointKey(latitude, longitude)) ?? [])]);
}
