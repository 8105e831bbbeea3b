import { z } from 'zod';
import type { FeatureRecord } from '../geo/feature.js';
import { pointSchema } from '../geo/point-schema.js';
import { FeatureFileError } from './feature-file.js';

/** One entry of route_guide_db.json: `{"location": {"latitude": E7, "longitude": E7}, "name": "..."}`. */
const entrySchema = z.object({
  location: z.object(pointSchema.shape, { error: 'must be an object with latitude and longitude' }),
  name: z.string({ error: 'must be a string' }).default(''),
});

/** Validates one route_guide_db.json entry; `where` (file and entry) starts the error message. */
export function parseJsonEntry(entry: unknown, where: string): FeatureRecord {
  const result = entrySchema.safeParse(entry);
  if (!result.success) throw new FeatureFileError(`${where}: ${describeIssues(result.error.issues)}`);
  const { location, name } = result.data;
  return { name, latitude: location.latitude, longitude: location.longitude };
}

/** `path: message; path: message`, for one entry's problems. */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((issue) => `${issue.path.join('.') || 'entry'}: ${issue.message}`).join('; ');
}
