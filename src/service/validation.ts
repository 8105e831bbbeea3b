import { z } from 'zod';
import { parsePointQuickly, pointSchema } from '../geo/point-schema.js';
import { invalidArgument } from './errors.js';
import { MalformedRequest } from './malformed-request.js';

/** The longest RouteChat message accepted, in UTF-8 bytes. An empty message is allowed. */
export const MAX_NOTE_BYTES = 1024;

function requiredMessage(what: string) {
  return {
    error: (issue: { input: unknown }) =>
      issue.input === undefined || issue.input === null ? `is required: ${what}` : `must be a Point`,
  };
}

export { pointSchema };

export const rectangleSchema = z.object({
  lo: z.object(pointSchema.shape, requiredMessage('a Rectangle needs both lo and hi')),
  hi: z.object(pointSchema.shape, requiredMessage('a Rectangle needs both lo and hi')),
});

export const routeNoteSchema = z.object({
  location: z.object(pointSchema.shape, requiredMessage('a RouteNote needs a location')),
  message: z.string().refine((text) => Buffer.byteLength(text, 'utf8') <= MAX_NOTE_BYTES, {
    error: (issue) =>
      `is ${Buffer.byteLength(String(issue.input), 'utf8')} UTF-8 bytes long; must be at most ${MAX_NOTE_BYTES} bytes`,
  }),
});

export type ValidPoint = z.infer<typeof pointSchema>;
export type ValidRectangle = z.infer<typeof rectangleSchema>;
export type ValidRouteNote = z.infer<typeof routeNoteSchema>;

/**
 * `field.path: message; other.field: message`, the form INVALID_ARGUMENT details take.
 * `prefix` places the message in its stream, e.g. `point[3]` gives `point[3].latitude: ...`.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix = ''): string {
  return issues
    .map((issue) => {
      const field = [prefix, ...issue.path.map(String)].filter((part) => part !== '').join('.');
      return `${field === '' ? 'request' : field}: ${issue.message}`;
    })
    .join('; ');
}

function parseNoteQuickly(value: unknown): ValidRouteNote | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { location, message } = value as { location?: unknown; message?: unknown };
  const point = parsePointQuickly(location);
  // A UTF-16 code unit takes at most 3 UTF-8 bytes, so a short message needs no count.
  if (point === undefined || typeof message !== 'string' || (message.length * 3 > MAX_NOTE_BYTES && Buffer.byteLength(message, 'utf8') > MAX_NOTE_BYTES)) return undefined;
  return { location: point, message };
}

function parseRectangleQuickly(value: unknown): ValidRectangle | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { lo, hi } = value as { lo?: unknown; hi?: unknown };
  const low = parsePointQuickly(lo);
  const high = parsePointQuickly(hi);
  return low === undefined || high === undefined ? undefined : { lo: low, hi: high };
}

/**
 * For the request schemas every call validates: the same result as the schema's parse for valid
 * input, built without zod, or undefined to let zod decide (test/validation.test.ts checks they agree).
 */
const quickParsers = new Map<z.ZodType, (value: unknown) => unknown>([
  [pointSchema, parsePointQuickly],
  [rectangleSchema, parseRectangleQuickly],
  [routeNoteSchema, parseNoteQuickly],
]);

/** Parses a request message against its schema, or throws INVALID_ARGUMENT naming each bad field. */
export function validate<T>(schema: z.ZodType<T>, value: unknown, prefix = ''): T {
  if (value instanceof MalformedRequest) {
    const field = [prefix, value.field].filter((part) => part !== '').join('.');
    throw invalidArgument(`${field === '' ? 'request' : field}: ${value.problem}`);
  }
  const quick = quickParsers.get(schema)?.(value);
  if (quick !== undefined) return quick as T;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw invalidArgument(formatIssues(result.error.issues, prefix));
}
