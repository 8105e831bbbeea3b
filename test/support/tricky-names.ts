import type { FeatureRecord } from '../../src/geo/feature.js';

/** Names that a writer must quote or escape, and a reader keep byte for byte: scripts, commas, quotes, line breaks, emoji, empty. */
export const TRICKY_NAMES: readonly string[] = [
  '',
  'Patriots Path, Mendham, NJ 07945, USA',
  'The "Old" Mill',
  '"',
  '""',
  ',',
  'Two\nlines',
  'CR\r\nLF',
  'trailing line break\n',
  '  spaces around  ',
  'tab\there',
  'back\\slash',
  '東京タワー',
  'Καλλιμάρμαρο',
  'Красная площадь',
  'مكتبة الإسكندرية',
  'שלום',
  'नमस्ते',
  '🗺️ emoji place 👩‍👩‍👧',
  'RS \x1e inside',
  '{"type":"Feature"}',
  '=SUM(A1)',
];

/**
 * `count` features at distinct points spread over the whole map, the corners among them, named
 * from TRICKY_NAMES in turn (with a number after every name but the empty one, so that names repeat
 * both exactly and not).
 */
export function trickyFeatures(count: number): FeatureRecord[] {
  const features: FeatureRecord[] = [
    { name: TRICKY_NAMES[1]!, latitude: 900_000_000, longitude: 1_800_000_000 },
    { name: '', latitude: -900_000_000, longitude: -1_800_000_000 },
  ];
  for (let i = features.length; i < count; i++) {
    const base = TRICKY_NAMES[i % TRICKY_NAMES.length]!;
    const name = base === '' || i % 3 === 0 ? base : `${base} ${i}`;
    // Distinct points: a step that is prime to both ranges, so no two features share a point.
    features.push({ name, latitude: ((i * 7_919_993) % 1_800_000_001) - 900_000_000, longitude: ((i * 104_729_017) % 3_600_000_001) - 1_800_000_000 });
  }
  return features;
}

/** `features` ordered by point, for comparing sets of features. */
export function byPoint(features: readonly FeatureRecord[]): FeatureRecord[] {
  return [...features].sort((a, b) => a.latitude - b.latitude || a.longitude - b.longitude);
}
