import { describe, expect, it } from 'vitest';
import { FeatureIndex } from '../../src/index/feature-index.js';
import { haversineMetres, toInt32Metres } from '../../src/geo/distance.js';
import { CallAborted } from '../../src/service/errors.js';
import { createRouteGuide } from '../../src/service/route-guide.js';
import { createMemoryStorage } from '../../src/storage/memory.js';
import { referenceDistance } from '../support/reference.js';

/** A call that nobody cancels. */
const live = { signal: new AbortController().signal };

async function* from<T>(items: T[], between?: () => void): AsyncGenerator<T> {
  for (const item of items) {
    yield item;
    between?.();
  }
}

function guideWithClock(start = 1_000_000) {
  let now = start;
  const index = new FeatureIndex();
  index.load([{ latitude: 5, longitude: 5, name: 'here' }]);
  const guide = createRouteGuide({ index, storage: createMemoryStorage(), replayLimit: 10, now: () => now });
  return { guide, advance: (ms: number) => (now += ms) };
}

describe('RouteGuide logic (in process, memory storage)', () => {
  it('RecordRoute reports whole seconds from the call start to the end of the stream', async () => {
    const { guide, advance } = guideWithClock();
    const summary = await guide.recordRoute(from([[{ latitude: 5, longitude: 5 }], [{ latitude: 6, longitude: 6 }]], () => advance(1_400)), live);
    expect(summary.elapsedTime).toBe(2);
    expect(summary.featureCount).toBe(1);
  });

  it('RecordRoute sums unrounded legs and truncates once at the end', async () => {
    const { guide } = guideWithClock();
    // Three legs of about 1.11 m each: rounding per leg would give 3, truncating the sum gives 3 too,
    // but legs of 0.6 m show the difference: per-leg truncation gives 0.
    const points = [0, 54, 108, 162].map((latitude) => ({ latitude, longitude: 0 }));
    const legs = haversineMetres(points[0]!, points[1]!);
    expect(legs).toBeGreaterThan(0.5);
    expect(legs).toBeLessThan(1);
    const summary = await guide.recordRoute(from([points]), live);
    expect(summary.distance).toBe(Math.trunc(legs * 3));
    expect(summary.distance).toBe(referenceDistance(points));
  });

  it('RecordRoute counts the legs between batches as well as within them', async () => {
    const { guide } = guideWithClock();
    const points = [0, 54, 108, 162, 216].map((latitude) => ({ latitude, longitude: 5 }));
    const whole = await guide.recordRoute(from([points]), live);
    const split = await guide.recordRoute(from([points.slice(0, 2), [], points.slice(2, 3), points.slice(3)]), live);
    expect(split).toEqual(whole);
    expect(split.pointCount).toBe(5);
    expect(split.distance).toBe(referenceDistance(points));
  });

  it('RouteChat sends only the notes stored at the location before the new one', async () => {
    const { guide } = guideWithClock();
    const sent: string[] = [];
    const replies = guide.routeChat(
      from([
        { location: { latitude: 1, longitude: 1 }, message: 'a' },
        { location: { latitude: 1, longitude: 1 }, message: 'b' },
      ]),
      live,
    );
    for await (const note of replies) sent.push(note.message);
    expect(sent).toEqual(['a']);
  });

  it('RouteChat stops at the next note once the call is aborted: nothing more is stored or sent', async () => {
    const storage = createMemoryStorage();
    const guide = createRouteGuide({ index: new FeatureIndex(), storage, replayLimit: 10 });
    const call = new AbortController();
    const sent: string[] = [];
    const notes = from(
      [
        { location: { latitude: 2, longitude: 2 }, message: 'first' },
        { location: { latitude: 2, longitude: 2 }, message: 'after the abort' },
      ],
      () => call.abort(),
    );
    const chat = (async () => {
      for await (const note of guide.routeChat(notes, { signal: call.signal })) sent.push(note.message);
    })();
    await expect(chat).rejects.toBeInstanceOf(CallAborted);
    expect(sent).toEqual([]);
    expect((await storage.notesAt(2, 2, 10)).map((note) => note.message)).toEqual(['first']);
  });

  it('RecordRoute rejects with CallAborted, not a summary, when the call is aborted mid-route', async () => {
    const { guide } = guideWithClock();
    const call = new AbortController();
    const route = from([[{ latitude: 5, longitude: 5 }], [{ latitude: 6, longitude: 6 }]], () => call.abort());
    await expect(guide.recordRoute(route, { signal: call.signal })).rejects.toBeInstanceOf(CallAborted);
  });
});

describe('distance', () => {
  it('saturates at int32 max', () => {
    expect(toInt32Metres(3e9)).toBe(2147483647);
    expect(toInt32Metres(12.99)).toBe(12);
  });

  it('matches the known distance between two canonical features', () => {
    // From the public examples: about 1.1 km per 0.01 degree of latitude.
    const metres = haversineMetres({ latitude: 400000000, longitude: 0 }, { latitude: 400100000, longitude: 0 });
    expect(Math.round(metres)).toBe(1112);
  });
});
