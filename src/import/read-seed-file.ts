import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { MAX_LATITUDE_E7, MAX_LONGITUDE_E7 } from '../service/validation.js';
import type { StoredFeature } from '../storage/storage.js';

/** The canonical 100-feature database shipped with the project. */
export const CANONICAL_SEED_FILE = fileURLToPath(new URL('../../seed/route_guide_db.json', import.meta.url));

/** A seed file that cannot be imported; the message names the entry and the problem. */
export class SeedFileError extends Error {
  override readonly name = 'SeedFileError';
}

function coordinate(limit: number) {
  return z
    .number({ error: (issue) => `must be an integer, got ${JSON.stringify(issue.input) ?? 'nothing'}` })
    .refine((value) => Number.isInteger(value) && value >= -limit && value <= limit, {
      error: (issue) => `${String(issue.input)} is out of range; must be an integer between -${limit} and ${limit}`,
    });
}

/** One entry of route_guide_db.json: `{"location": {"latitude": E7, "longitude": E7}, "name": "..."}`. */
const entrySchema = z.object({
  location: z.object(
    { latitude: coordinate(MAX_LATITUDE_E7), longitude: coordinate(MAX_LONGITUDE_E7) },
    { error: 'must be an object with latitude and longitude' },
  ),
  name: z.string({ error: 'must be a string' }).default(''),
});

/** Validates one route_guide_db.json entry; `where` (file and entry) starts the error message. */
export function parseSeedEntry(entry: unknown, where: string): StoredFeature {
  const result = entrySchema.safeParse(entry);
  if (!result.success) throw new SeedFileError(`${where}: ${describeIssues(result.error.issues)}`);
  const { location, name } = result.data;
  return { name, latitude: location.latitude, longitude: location.longitude };
}

/** `path: message; path: message`, for one entry's problems. */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((issue) => `${issue.path.join('.') || 'entry'}: ${issue.message}`).join('; ');
}
