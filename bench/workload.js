// The bench's workload, derived deterministically from the same synthetic features the server is
// seeded with: GetFeature points, and rectangles with known hit counts (so that the ceiling server
// can stream exactly as many messages as the real one).
import { FeatureIndex } from '../dist/index/feature-index.js';
import { createRandom, syntheticFeatures } from '../dist/feature-files/synthetic-features.js';

function square(latitude, longitude, half) {
  return {
    lo: { latitude: Math.max(-900_000_000, latitude - half), longitude: Math.max(-1_800_000_000, longitude - half) },
    hi: { latitude: Math.min(900_000_000, latitude + half), longitude: Math.min(1_800_000_000, longitude + half) },
  };
}

function count(index, rectangle) {
  let hits = 0;
  for (const _ of index.within({
    minLatitude: rectangle.lo.latitude,
    maxLatitude: rectangle.hi.latitude,
    minLongitude: rectangle.lo.longitude,
    maxLongitude: rectangle.hi.longitude,
  })) hits++;
  return hits;
}

/** Squares around random features, each grown or shrunk until its hit count is near `target`. */
function rectanglesNear(index, features, random, target, howMany) {
  const found = [];
  for (let attempt = 0; found.length < howMany && attempt < howMany * 20; attempt++) {
    const centre = features[Math.floor(random() * features.length)];
    let low = 1;
    let high = 900_000_000;
    for (let step = 0; step < 40; step++) {
      const half = Math.floor((low + high) / 2);
      const rectangle = square(centre.latitude, centre.longitude, half);
      const hits = count(index, rectangle);
      if (hits >= target * 0.8 && hits <= target * 1.2) {
        found.push({ rectangle, hits });
        break;
      }
      if (hits < target) low = half + 1;
      else high = half - 1;
      if (low > high) break;
    }
  }
  return found;
}

export function makeWorkload(n, seed) {
  const features = [...syntheticFeatures(n, seed)];
  const index = new FeatureIndex();
  index.load(features);
  const random = createRandom(seed + 7);
  const points = [];
  for (let i = 0; i < 20_000; i++) {
    const feature = features[Math.floor(random() * features.length)];
    // Half hits, half misses just beside a feature.
    points.push(i % 2 === 0 ? { latitude: feature.latitude, longitude: feature.longitude } : { latitude: feature.latitude + 1, longitude: feature.longitude });
  }
  // NearestFeatures from random points anywhere (most of the world is far from any feature), from
  // their own generator so that the other phases' workloads stay as they were.
  const randomPoint = createRandom(seed + 11);
  const nearest = [];
  for (let i = 0; i < 20_000; i++) {
    nearest.push({ latitude: Math.round((randomPoint() * 180 - 90) * 1e7), longitude: Math.round((randomPoint() * 360 - 180) * 1e7) });
  }
  return {
    n,
    seed,
    features: index.size,
    points,
    nearest,
    small: rectanglesNear(index, features, random, 100, 200),
    large: rectanglesNear(index, features, random, Math.min(10_000, Math.floor(n / 10)), 20),
    full: { rectangle: square(0, 0, 2_000_000_000), hits: index.size },
  };
}
