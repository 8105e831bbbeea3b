import type { FeatureRecord } from '../geo/feature.js';

/**
 * Deterministic synthetic features for benchmarks and tests: points clustered around "towns" whose
 * sizes follow a Zipf law (a few big cities, many villages), like real places; a tenth are unnamed,
 * as in route_guide_db.json. The same count and seed always give the same features in the same order.
 */

/** sfc32: a small, fast, well-mixed 32-bit generator; enough for test data, not for secrets. */
export function createRandom(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 16; i++) next();
  return next;
}

const STREETS = [
  'Oak', 'Maple', 'Cedar', 'Pine', 'Elm', 'Willow', 'Lake', 'Hill', 'River', 'Park', 'Mill', 'Church',
  'Main', 'High', 'Station', 'Bridge', 'Forest', 'Meadow', 'Spring', 'Valley', 'Ridge', 'Harbor', 'Orchard', 'Canal',
];
const KINDS = ['Street', 'Road', 'Avenue', 'Lane', 'Trail', 'Way', 'Drive', 'Court', 'Place', 'Terrace'];
const SYLLABLES = ['ber', 'lin', 'ton', 'wood', 'ford', 'ham', 'ley', 'field', 'burg', 'vale', 'mont', 'port', 'stead', 'wick', 'ash', 'dale'];
const REGIONS = ['NJ', 'NY', 'PA', 'CA', 'OR', 'TX', 'ON', 'BY', 'NSW', 'QLD', 'IDF', 'KA'];

interface Town {
  readonly latitude: number;
  readonly longitude: number;
  /** Standard deviation of the spread around the centre, in degrees. */
  readonly spread: number;
  readonly name: string;
}

function townName(random: () => number): string {
  const parts = 2 + Math.floor(random() * 2);
  let name = '';
  for (let i = 0; i < parts; i++) name += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
  return name.charAt(0).toUpperCase() + name.slice(1);
}

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)]!;
}

/** One standard normal deviate (Box-Muller). */
function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function clamp(value: number, limit: number): number {
  return Math.max(-limit, Math.min(limit, value));
}

/** `count` synthetic features from `seed`, generated lazily. */
export function* syntheticFeatures(count: number, seed = 1): Generator<FeatureRecord, void, undefined> {
  const random = createRandom(seed);
  const townCount = Math.max(1, Math.min(50_000, Math.round(Math.sqrt(count) * 2)));
  const towns: Town[] = [];
  // Zipf weights 1/rank, as a cumulative table for picking a town by binary search.
  const cumulative = new Float64Array(townCount);
  let total = 0;
  for (let rank = 0; rank < townCount; rank++) {
    total += 1 / (rank + 1);
    cumulative[rank] = total;
    towns.push({
      // Mostly the inhabited latitudes.
      latitude: -45 + random() * 110,
      longitude: -180 + random() * 360,
      spread: 0.01 + 0.5 / Math.sqrt(rank + 1),
      name: `${townName(random)}, ${pick(REGIONS, random)}`,
    });
  }
  for (let i = 0; i < count; i++) {
    const target = random() * total;
    let low = 0;
    let high = townCount - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cumulative[middle]! < target) low = middle + 1;
      else high = middle;
    }
    const town = towns[low]!;
    const latitude = Math.round(clamp(town.latitude + gaussian(random) * town.spread, 90) * 1e7);
    const longitude = Math.round(clamp(town.longitude + gaussian(random) * town.spread, 180) * 1e7);
    const named = random() >= 0.1;
    const name = named
      ? `${1 + Math.floor(random() * 999)} ${pick(STREETS, random)} ${pick(KINDS, random)}, ${town.name}`
      : '';
    yield { name, latitude, longitude };
  }
}
