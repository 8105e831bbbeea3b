import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CountFeaturesResponse } from '../../src/gen/messages/route_guide_extensions.js';
import { serializeCountFeaturesResponse } from '../../src/grpc/count-encoder.js';

const uint32 = fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.constantFrom(0, 1, 127, 128, 16383, 16384, 2 ** 31, 2 ** 32 - 1));
const response = fc.record({
  counts: fc.array(uint32, { maxLength: 300 }),
  total: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.constantFrom(127, 128, 2 ** 32, 2 ** 35 + 1)),
  columns: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1024 })),
  rows: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1024 })),
});

describe('serializeCountFeaturesResponse', () => {
  it('writes the same bytes as the generated CountFeaturesResponse.encode', () => {
    fc.assert(
      fc.property(response, (value) => {
        expect(serializeCountFeaturesResponse(value)).toEqual(Buffer.from(CountFeaturesResponse.encode(value).finish()));
      }),
      { numRuns: 3_000 },
    );
  });
});
