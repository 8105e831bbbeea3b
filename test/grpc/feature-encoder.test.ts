import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Feature } from '../../src/gen/messages/route_guide.js';
import { serializeFeature } from '../../src/grpc/feature-encoder.js';

const int32 = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constantFrom(0, -1, 1, 127, 128, -(2 ** 31), 2 ** 31 - 1));
const feature = fc.record({
  name: fc.oneof(fc.constant(''), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme', maxLength: 300 })),
  location: fc.option(fc.record({ latitude: int32, longitude: int32 }), { nil: undefined }),
});

describe('serializeFeature', () => {
  it('writes the same bytes as the generated Feature.encode', () => {
    fc.assert(
      fc.property(feature, (value) => {
        expect(serializeFeature(value)).toEqual(Buffer.from(Feature.encode(value).finish()));
      }),
      { numRuns: 5_000 },
    );
  });

  it('rejects a coordinate that is not an int32, as the generated encoder does', () => {
    expect(() => serializeFeature({ name: 'x', location: { latitude: 1.5, longitude: 0 } })).toThrow();
  });
});
