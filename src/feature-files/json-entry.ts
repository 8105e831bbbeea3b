import { z } from 'zod';
import type { FeatureRecord } from '../geo/feature.js';
import { MAX_LATITUDE_E7, MAX_LONGITUDE_E7 } from '../geo/e7.js';
import { pointSchema } from '../geo/point-schema.js';
import { FeatureFileError } from './feature-file.js';

/** One entry of route_guide_db.json: `{"location": {"latitude": E7, "longitude": E7}, "name": "..."}`. */
const entrySchema = z.object({
  location: z.object(pointSchema.shape, { error: 'must be an object with latitude and longitude' }),
  name: z.string({ error: 'must be a string' }).default(''),
});

function inRange(value: unknown, limit: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= -limit && value <= limit;
}

/**
 * What entrySchema makes of a valid entry, checked by hand, or undefined for anything the schema
 * might reject (zod then decides, and names the field). zod's parse of every entry was about a
 * tenth of a 1M-feature seed.
 */
function parseValidEntry(entry: unknown): FeatureRecord | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return undefined;
  const { location, name } = entry as { location?: unknown; name?: unknown };
  if (typeof location !== 'object' || location === null || Array.isArray(location)) return undefined;
  const { latitude, longitude } = location as { latitude?: unknown; longitude?: unknown };
  if (!inRange(latitude, MAX_LATITUDE_E7) || !inRange(longitude, MAX_LONGITUDE_E7)) return undefined;
  if (name === undefined) return { name: '', latitude, longitude };
  return typeof name === 'string' ? { name, latitude, longitude } : undefined;
}

/** Validates one route_guide_db.json entry; `where` (file and entry) starts the error message. */
export function parseJsonEntry(entry: unknown, where: string): FeatureRecord {
  const valid = parseValidEntry(entry);
  if (valid !== undefined) return valid;
  const result = entrySchema.safeParse(entry);
  if (!result.success) throw new FeatureFileError(`${where}: ${describeIssues(result.error.issues)}`);
  const { location, name } = result.data;
  return { name, latitude: location.latitude, longitude: location.longitude };
}

/** `path: message; path: message`, for one entry's problems. */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((issue) => `${issue.path.join('.') || 'entry'}: ${issue.message}`).join('; ');
}
