import { z } from 'zod';
import { MAX_LATITUDE_E7, MAX_LONGITUDE_E7 } from './e7.js';

/** An E7 coordinate: an integer within [-limit, limit]. One schema for requests and seed files alike. */
function coordinateSchema(limit: number) {
  return z
    .number({ error: (issue) => `must be an integer, got ${JSON.stringify(issue.input) ?? 'nothing'}` })
    .refine((value) => Number.isInteger(value) && value >= -limit && value <= limit, {
      error: (issue) => `${String(issue.input)} is out of range; must be an integer between -${limit} and ${limit}`,
    });
}

/** A point in E7: `{ latitude, longitude }` within the protocol's limits. */
export const pointSchema = z.object({
  latitude: coordinateSchema(MAX_LATITUDE_E7),
  longitude: coordinateSchema(MAX_LONGITUDE_E7),
});
