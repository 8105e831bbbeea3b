import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { MAX_LATITUDE_E7, MAX_LONGITUDE_E7 } from '../../src/geo/e7.js';
import { MAX_NOTE_BYTES, pointSchema, rectangleSchema, routeNoteSchema, validate } from '../../src/service/validation.js';

/** Coordinates near the limits and beyond, plus the non-integers and non-numbers a client can send. */
const coordinate = fc.oneof(
  fc.integer({ min: -MAX_LONGITUDE_E7 - 2, max: MAX_LONGITUDE_E7 + 2 }),
  fc.constantFrom(MAX_LATITUDE_E7, -MAX_LATITUDE_E7, MAX_LATITUDE_E7 + 1, -MAX_LATITUDE_E7 - 1, MAX_LONGITUDE_E7, MAX_LONGITUDE_E7 + 1, 0, -0),
  fc.double(),
  fc.constantFrom(Number.NaN, Infinity, -Infinity, 1.5, '1', null, undefined, true, 10n),
);
const point = fc.oneof(
  fc.record({ latitude: coordinate, longitude: coordinate }),
  fc.record({ latitude: coordinate, longitude: coordinate, extra: fc.string() }),
  fc.record({ latitude: coordinate }),
  fc.constantFrom(null, undefined, [], 'point', 7),
);
/** Messages around the byte limit, in one-, two-, three- and four-byte characters. */
const message = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('a', 'é', '€', '😀').chain((unit) =>
    fc.integer({ min: 0, max: MAX_NOTE_BYTES + 4 }).map((length) => unit.repeat(Math.ceil(length / Buffer.byteLength(unit)))),
  ),
  fc.constantFrom(undefined, null, 5, {}),
);
const inputs: Array<[string, z.ZodType, fc.Arbitrary<unknown>]> = [
  ['Point', pointSchema, point],
  ['Rectangle', rectangleSchema, fc.oneof(fc.record({ lo: point, hi: point }), fc.record({ lo: point }), fc.constant({}))],
  ['RouteNote', routeNoteSchema, fc.oneof(fc.record({ location: point, message }), fc.record({ message }), fc.constant(null))],
];

describe('validate', () => {
  for (const [name, schema, input] of inputs) {
    it(`gives the same ${name} as the zod schema, and throws zod's message for what it rejects`, () => {
      fc.assert(
        fc.property(input, (value) => {
          const expected = schema.safeParse(value);
          if (expected.success) {
            expect(validate(schema, value, 'm')).toStrictEqual(expected.data);
          } else {
            expect(() => validate(schema, value, 'm')).toThrow(/^m/);
          }
        }),
        { numRuns: 3000 },
      );
    });
  }

  it('rejects a note of 1025 UTF-8 bytes made of 342 three-byte characters and one more byte', () => {
    const note = { location: { latitude: 0, longitude: 0 }, message: '€'.repeat(341) + 'ab' };
    expect(() => validate(routeNoteSchema, note)).toThrow('message: is 1025 UTF-8 bytes long; must be at most 1024 bytes');
    expect(validate(routeNoteSchema, { ...note, message: '€'.repeat(341) + 'a' })).toStrictEqual({ ...note, message: '€'.repeat(341) + 'a' });
  });

  it('drops fields the schema does not name, as zod does', () => {
    expect(validate(pointSchema, { latitude: 1, longitude: 2, altitude: 3 })).toStrictEqual({ latitude: 1, longitude: 2 });
  });
});
