import { readFile } from 'node:fs/promises';
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
export const entrySchema = z.object({
  location: z.object(
    { latitude: coordinate(MAX_LATITUDE_E7), longitude: coordinate(MAX_LONGITUDE_E7) },
    { error: 'must be an object with latitude and longitude' },
  ),
  name: z.string({ error: 'must be a string' }).default(''),
});

/** Validates parsed JSON in the route_guide_db.json shape, naming the first bad entry by index. */
export function parseSeedEntries(data: unknown, source: string): StoredFeature[] {
  if (!Array.isArray(data)) {
    throw new SeedFileError(`${source}: must be a JSON array of features, like seed/route_guide_db.json`);
  }
  return data.map((entry: unknown, index) => {
    return parseSeedEntry(entry, `${source}: entry ${index}`);
  });
}

/** Validates one route_guide_db.json entry; `where` (file and entry) starts the error message. */
export function parseSeedEntry(entry: unknown, where: string): StoredFeature {
  const result = entrySchema.safeParse(entry);
  if (!result.success) throw new SeedFileError(`${where}: ${describeIssues(result.error.issues)}`);
  const { location, name } = result.data;
  return { name, latitude: location.latitude, longitude: location.longitude };
}

/** `path: message; path: message`, for one entry's problems. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((issue) => `${issue.path.join('.') || 'entry'}: ${issue.message}`).join('; ');
}

/** Reads and validates a seed file in the route_guide_db.json shape. Nothing is returned unless all of it is valid. */
export async function readSeedFile(path: string): Promise<StoredFeature[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new SeedFileError(`${path}: cannot read: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new SeedFileError(`${path}: not valid JSON: ${(error as Error).message}`);
  }
  return parseSeedEntries(data, path);
}
