import { z } from 'zod';
import { booleanSetting, optionalIntegerSetting } from '../common/setting-values.js';
import type { FeatureDistance } from '../gen/messages/route_guide_extensions.js';
import { e7ToDegrees } from '../geo/e7.js';
import { MAX_NEAREST_LIMIT } from '../service/extension-validation.js';
import type { ClientCommand } from './client-command.js';
import { point } from './client-input.js';
import { plural } from './plural.js';

/** A distance in metres greater than 0, given as text; undefined when not set (no limit). */
const metresSetting = z
  .string()
  .refine((text) => text.trim() !== '' && Number.isFinite(Number(text)) && Number(text) > 0, {
    error: 'must be a number of metres greater than 0 (leave it out for no limit)',
  })
  .optional()
  .transform((text) => (text === undefined ? undefined : Number(text)));

function readable({ feature, distanceMeters }: FeatureDistance): string {
  const where = `${e7ToDegrees(feature?.location?.latitude ?? 0)}, ${e7ToDegrees(feature?.location?.longitude ?? 0)}`;
  const what = feature?.name ? `Feature "${feature.name}"` : 'Unnamed feature';
  return `${what} at ${where}, ${plural(Math.round(distanceMeters), 'metre')} away`;
}

function json({ feature, distanceMeters }: FeatureDistance): string {
  const location = { latitude: feature?.location?.latitude ?? 0, longitude: feature?.location?.longitude ?? 0 };
  return JSON.stringify({ name: feature?.name ?? '', location, distanceMeters });
}

/** `client nearest`: the features nearest to a point, nearest first, each with its distance. */
export const nearestCommand: ClientCommand = {
  usage: 'routeguide client nearest LAT LNG [--limit K] [--max-distance METRES] [--named-only]',
  summary: 'NearestFeatures: the features nearest to a point (degrees) by great-circle distance, nearest first.',
  arity: 2,
  settings: {
    limit: { schema: optionalIntegerSetting(1, MAX_NEAREST_LIMIT), description: 'at most this many features', defaultText: '10', valueName: 'K' },
    'max-distance': { schema: metresSetting, description: 'only features this many metres away or nearer', defaultText: 'no limit', valueName: 'METRES' },
    'named-only': { schema: booleanSetting(), description: 'skip features with an empty name', defaultText: 'false', boolean: true },
  },
  async run({ client, out, args: [latitude, longitude], call, options }) {
    // The point is checked in degrees before any call, as `get` does; 0 asks the server's defaults.
    const { features } = await client.nearestFeatures(
      {
        point: point(latitude!, longitude!),
        limit: (options['limit'] as number | undefined) ?? 0,
        maxDistanceMeters: (options['max-distance'] as number | undefined) ?? 0,
        namedOnly: options['named-only'] as boolean,
      },
      call,
    );
    if (options['json']) {
      // Output has no JSON shape with a distance: write the lines here, and none once stdout has closed.
      for (const found of features) if (!call.signal?.aborted) process.stdout.write(json(found) + '\n');
    } else {
      for (const found of features) out.text(readable(found));
      out.text(plural(features.length, 'feature'));
    }
    return 0;
  },
};
