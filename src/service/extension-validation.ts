import { z } from 'zod';
import { pointSchema } from '../geo/point-schema.js';
import { rectangleSchema } from './validation.js';

/** NearestFeatures answers at most this many features. */
export const MAX_NEAREST_LIMIT = 1000;
/** NearestFeatures' limit when the request leaves it 0. */
export const DEFAULT_NEAREST_LIMIT = 10;
/** ExportFeatures' largest batch_size. */
export const MAX_EXPORT_BATCH_SIZE = 65536;
/** CountFeatures' most columns, and most rows. */
export const MAX_GRID_SIDE = 1024;
/** CountFeatures' most cells (columns x rows). */
export const MAX_GRID_CELLS = 65536;
/** CountFeatures' columns, or rows, when the request leaves them 0. */
export const DEFAULT_GRID_SIDE = 64;

function required(what: string) {
  return {
    error: (issue: { input: unknown }) => (issue.input === undefined || issue.input === null ? `is required: ${what}` : 'must be a message'),
  };
}

export const nearestFeaturesRequestSchema = z.object({
  point: z.object(pointSchema.shape, required('a NearestFeaturesRequest needs a point')),
  limit: z
    .number()
    .refine((value) => Number.isInteger(value) && value >= 0 && value <= MAX_NEAREST_LIMIT, {
      error: (issue) => `${String(issue.input)} is out of range; must be between 1 and ${MAX_NEAREST_LIMIT} (0 means ${DEFAULT_NEAREST_LIMIT})`,
    })
    .transform((value) => (value === 0 ? DEFAULT_NEAREST_LIMIT : value)),
  maxDistanceMeters: z
    .number()
    .refine((value) => Number.isFinite(value) && value >= 0, {
      error: (issue) => `${String(issue.input)} is not allowed; must be a finite number of metres, 0 or more (0 means no limit)`,
    })
    .transform((value) => (value === 0 ? Number.POSITIVE_INFINITY : value)),
  namedOnly: z.boolean(),
});

export const exportFeaturesRequestSchema = z.object({
  rectangle: z.object(rectangleSchema.shape, required('an ExportFeaturesRequest needs a rectangle')),
  batchSize: z.number().refine((value) => Number.isInteger(value) && value >= 0 && value <= MAX_EXPORT_BATCH_SIZE, {
    error: (issue) => `${String(issue.input)} is out of range; must be at most ${MAX_EXPORT_BATCH_SIZE} (0 means the server's default)`,
  }),
});

function gridSide(name: string) {
  return z
    .number()
    .refine((value) => Number.isInteger(value) && value >= 0 && value <= MAX_GRID_SIDE, {
      error: (issue) => `${String(issue.input)} is out of range; must be between 1 and ${MAX_GRID_SIDE} ${name} (0 means ${DEFAULT_GRID_SIDE})`,
    })
    .transform((value) => (value === 0 ? DEFAULT_GRID_SIDE : value));
}

export const countFeaturesRequestSchema = z
  .object({
    rectangle: z.object(rectangleSchema.shape, required('a CountFeaturesRequest needs a rectangle')),
    columns: gridSide('columns'),
    rows: gridSide('rows'),
  })
  // Only for sides each in range: a side out of range is reported on its own.
  .refine(({ columns, rows }) => columns > MAX_GRID_SIDE || rows > MAX_GRID_SIDE || columns * rows <= MAX_GRID_CELLS, {
    error: (issue) => {
      const { columns, rows } = issue.input as { columns: number; rows: number };
      return `columns x rows is ${columns} x ${rows} = ${columns * rows} cells; must be at most ${MAX_GRID_CELLS} cells`;
    },
  });

/** A NearestFeaturesRequest after validation: limit resolved (1 to 1000), no distance limit as Infinity. */
export type ValidNearestFeaturesRequest = z.infer<typeof nearestFeaturesRequestSchema>;
/** An ExportFeaturesRequest after validation: batchSize 0 still means the server's default. */
export type ValidExportFeaturesRequest = z.infer<typeof exportFeaturesRequestSchema>;
/** A CountFeaturesRequest after validation: columns and rows resolved (1 to 1024, at most 65536 cells). */
export type ValidCountFeaturesRequest = z.infer<typeof countFeaturesRequestSchema>;
