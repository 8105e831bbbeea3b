import { readFile } from 'node:fs/promises';
import type { Point, RouteNote } from '../gen/messages/route_guide.js';
import { degreesToE7, MAX_LATITUDE_DEGREES, MAX_LONGITUDE_DEGREES, parseDecimal } from '../geo/e7.js';
import { pointSchema } from '../geo/point-schema.js';

/** A coordinate argument that is not a number of degrees in range: a usage mistake. */
export class CoordinateError extends Error {}

/** A route file that cannot be read or is not a route: a failure at run time. */
export class RouteFileError extends Error {}

const LIMIT_DEGREES = { latitude: MAX_LATITUDE_DEGREES, longitude: MAX_LONGITUDE_DEGREES } as const;

/**
 * Degrees typed on the command line to E7, by the importers' rule (strict decimals, halves rounded
 * away from zero; see geo/e7.ts), checked against the range in degrees, as the user typed them.
 */
export function degrees(text: string, axis: keyof typeof LIMIT_DEGREES): number {
  const limit = LIMIT_DEGREES[axis];
  const value = parseDecimal(text);
  if (Number.isNaN(value)) throw new CoordinateError(`${axis}: "${text}" is not a number of degrees`);
  const e7 = degreesToE7(value, limit);
  if (e7 === undefined) throw new CoordinateError(`${axis} ${text.trim()} is out of range; must be between -${limit} and ${limit}`);
  return e7;
}

export function point(latitude: string, longitude: string): Point {
  return { latitude: degrees(latitude, 'latitude'), longitude: degrees(longitude, 'longitude') };
}

/** Reads a route: a JSON array of E7 points, or a file in the seed shape (`{"location": {...}}` entries). */
export async function readRoute(file: string): Promise<Point[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new RouteFileError(`${file}: cannot read: ${(error as Error).message}`);
  }
  let entries: unknown;
  try {
    entries = JSON.parse(text);
  } catch (error) {
    throw new RouteFileError(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(entries)) throw new RouteFileError(`${file}: must be a JSON array of points`);
  return entries.map((entry: unknown, index) => {
    const location = typeof entry === 'object' && entry !== null && 'location' in entry ? entry.location : entry;
    const parsed = pointSchema.safeParse(location);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : 'expected {"latitude": E7, "longitude": E7} or {"location": {...}}';
      throw new RouteFileError(`${file}: entry ${index}: ${field}`);
    }
    return parsed.data;
  });
}

/**
 * Reads `LAT LNG message` lines (degrees) into notes. A bad line, one without a message included,
 * goes to `onBadLine` and is skipped; blank lines are skipped silently.
 */
export async function* notesFromLines(lines: AsyncIterable<string>, onBadLine: (message: string) => void): AsyncGenerator<RouteNote> {
  let number = 0;
  for await (const line of lines) {
    number++;
    if (line.trim() === '') continue;
    const match = /^\s*(\S+)\s+(\S+)(?:\s(.*))?$/.exec(line);
    try {
      if (!match) throw new CoordinateError('expected "LAT LNG message"');
      const location = point(match[1]!, match[2]!);
      const message = match[3] ?? '';
      if (message.trim() === '') throw new CoordinateError('no message; expected "LAT LNG message"');
      yield { location, message };
    } catch (error) {
      if (!(error instanceof CoordinateError)) throw error;
      onBadLine(`line ${number}: ${error.message}`);
    }
  }
}
