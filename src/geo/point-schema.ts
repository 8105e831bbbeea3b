import { z } from 'zod';
import { MAX_LATITUDE_E7, MAX_LONGITUDE_E7 } from './e7.js';

/** An E7 coordinate: an integer within [-limit, limit]. One schema for requests and seed files alike. */
function coordinateSchema(limit: number) {
  return z
    .number({ error: (issue) => `must be an integer, got ${typeof issue.input === 'bigint' ? String(issue.input) : (JSON.stringify(issue.input) ?? 'nothing')}` })
    .refine((value) => Number.isInteger(value) && value >= -limit && value <= limit, {
      error: (issue) => `${String(issue.input)} is out of range; must be an integer between -${limit} and ${limit}`,
    });
}

/** A point in E7: `{ latitude, longitude }` within the protocol's limits. */
export const pointSchema = z.object({
  latitude: coordinateSchema(MAX_LATITUDE_E7),
  longitude: coordinateSchema(MAX_LONGITUDE_E7),
});

function inRange(value: unknown, limit: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= -limit && value <= limit;
}

/**
 * What `pointSchema` makes of a valid point, without zod: `{ latitude, longitude }` and nothing
 * else, or undefined for anything the schema might reject (zod then decides, and names the field).
 * A request path validates every message, and zod's parse cost more than the rest of the check.
 */
export function parsePointQuickly(value: unknown): { latitude: number; longitude: number } | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { latitude, longitude } = value as { latitude?: unknown; longitude?: unknown };
  if (!inRange(latitude, MAX_LATITUDE_E7) || !inRange(longitude, MAX_LONGITUDE_E7)) return undefined;
  return { latitude, longitude };
}
