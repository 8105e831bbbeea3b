import { create, toBinary, toJsonString } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FeatureBatchSchema } from '../../src/gen/es/route_guide_extensions_pb.js';
import type { Feature } from '../../src/gen/messages/route_guide.js';
import { encodeFeatureBatches } from '../../src/grpc/feature-batch-encoder.js';
import { batchFeatures } from '../../src/http/extension-routes.js';
import { batchSizeOf, maxBatchBytes } from '../../src/transport/export-batching.js';

const FOUR_MIB = 4 * 1024 * 1024;

describe('ExportFeatures batching, the same on both ports', () => {
  it('takes batch_size 0 as the server default, and any other batch_size as it is', () => {
    const batching = { defaultBatchSize: 2048, maxMessageBytes: FOUR_MIB };
    expect(batchSizeOf(0, batching)).toBe(2048);
    expect(batchSizeOf(7, batching)).toBe(7);
  });

  it('keeps a batch under min(--max-message-size, 4 MiB), less a headroom that holds JSON\'s wrapper', () => {
    const wrapper = toJsonString(FeatureBatchSchema, create(FeatureBatchSchema, { features: [] }), { alwaysEmitImplicit: true }).length;
    expect(wrapper).toBe('{"features":[]}'.length);
    for (const maxMessageBytes of [1024, 100_000, FOUR_MIB, 64 * 1024 * 1024]) {
      const bytes = maxBatchBytes({ defaultBatchSize: 2048, maxMessageBytes });
      expect(bytes).toBeLessThanOrEqual(Math.min(maxMessageBytes, FOUR_MIB) - wrapper);
      expect(bytes).toBeGreaterThanOrEqual(Math.min(maxMessageBytes, FOUR_MIB) - 64);
    }
  });

  it('never sends a batch of several features over --max-message-size: gRPC, Connect binary, Connect JSON', () => {
    const int32 = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constantFrom(0, -1, -(2 ** 31), 2 ** 31 - 1));
    const name = fc.oneof(fc.constant(''), fc.string({ unit: 'binary', maxLength: 150 }), fc.string({ unit: 'grapheme', maxLength: 100 }), fc.string({ unit: fc.constantFrom('\n', '"', '\u0001', 'é', '東'), maxLength: 150 }));
    const feature = fc.record({ name, location: fc.record({ latitude: int32, longitude: int32 }) });
    fc.assert(
      fc.property(fc.array(feature, { maxLength: 120 }), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 2048, max: 8192 }), (features: Feature[], batchSize, maxMessageBytes) => {
        const maxBytes = maxBatchBytes({ defaultBatchSize: 2048, maxMessageBytes });
        for (const bytes of encodeFeatureBatches(features, batchSize, maxBytes)) {
          expect(bytes.length).toBeLessThanOrEqual(maxMessageBytes);
        }
        for (const json of [false, true]) {
          for (const batch of batchFeatures(features, batchSize, maxBytes, json)) {
            const message = create(FeatureBatchSchema, batch);
            const size = json ? Buffer.byteLength(toJsonString(FeatureBatchSchema, message)) : toBinary(FeatureBatchSchema, message).length;
            if (batch.features.length > 1) expect(size).toBeLessThanOrEqual(maxMessageBytes);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
