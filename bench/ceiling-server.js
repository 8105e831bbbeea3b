// The ceiling: a bare grpc-js RouteGuide server with no storage, no index and no validation. It
// answers each call shape as cheaply as the runtime allows, so the project's server can be
// measured against it. ListFeatures streams as many messages as the `bench-hits` metadata asks, and
// ExportFeatures as many features, in FeatureBatch messages of the same size as the project's.
// NearestFeatures answers `limit` (default 10) copies of one feature without searching.
// It serializes Features with the project's own serializer (dist/service/feature-wire.js), as the
// project's server does, so that the comparison is about storage, index and validation; pass
// --generated-serializer to use ts-proto's generated one instead.
// Usage: node bench/ceiling-server.js [--generated-serializer]
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { RouteGuideService } from '../dist/gen/grpc-js/route_guide.js';
import { serializeFeature } from '../dist/grpc/feature-encoder.js';
import { RouteGuideExtensionsService } from '../dist/gen/grpc-js/route_guide_extensions.js';
import { encodeFeatureBatches } from '../dist/grpc/feature-batch-encoder.js';

const generated = process.argv.includes('--generated-serializer');
const service = generated
  ? RouteGuideService
  : {
      ...RouteGuideService,
      getFeature: { ...RouteGuideService.getFeature, responseSerialize: serializeFeature },
      listFeatures: { ...RouteGuideService.listFeatures, responseSerialize: serializeFeature },
    };

const NAME = '123 Maple Street, Berlinton, NJ';
/** Features per ExportFeatures message when the request says 0: the project's DEFAULT_EXPORT_BATCH_SIZE (src/app/start-app.ts). */
const EXPORT_DEFAULT_BATCH_SIZE = 2048;
/** One FeatureBatch of `size` copies of a feature, encoded as the project encodes them. */
function batchOf(size) {
  const feature = { name: NAME, location: { latitude: 407838351, longitude: -746143763 } };
  return [...encodeFeatureBatches(Array.from({ length: size }, () => feature), size, Infinity)][0];
}

const server = new Server();
server.addService(service, {
  getFeature(call, callback) {
    callback(null, { name: NAME, location: call.request });
  },
  listFeatures(call) {
    let left = Number(call.metadata.get('bench-hits')[0] ?? 0);
    const feature = { name: NAME, location: { latitude: 407838351, longitude: -746143763 } };
    const pump = () => {
      while (left > 0 && !call.cancelled) {
        left--;
        if (!call.write(feature)) return call.once('drain', pump);
      }
      call.end();
    };
    pump();
  },
  recordRoute(call, callback) {
    let pointCount = 0;
    call.on('data', () => pointCount++);
    call.on('end', () => callback(null, { pointCount, featureCount: 0, distance: 0, elapsedTime: 0 }));
  },
  routeChat(call) {
    call.on('data', () => {});
    call.on('end', () => call.end());
  },
});
server.addService(
  { exportFeatures: { ...RouteGuideExtensionsService.exportFeatures, responseSerialize: (encoded) => encoded } },
  {
    exportFeatures(call) {
      let left = Number(call.metadata.get('bench-hits')[0] ?? 0);
      const batchSize = call.request.batchSize || EXPORT_DEFAULT_BATCH_SIZE;
      const full = batchOf(batchSize);
      const pump = () => {
        while (left > 0 && !call.cancelled) {
          const size = Math.min(left, batchSize);
          left -= size;
          if (!call.write(size === batchSize ? full : batchOf(size))) return call.once('drain', pump);
        }
        call.end();
      };
      pump();
    },
  },
);
/** NearestFeatures' canned answers by limit, built once each. */
const nearestAnswers = new Map();
server.addService(
  { nearestFeatures: RouteGuideExtensionsService.nearestFeatures },
  {
    nearestFeatures(call, callback) {
      const limit = call.request.limit || 10;
      let answer = nearestAnswers.get(limit);
      if (!answer) {
        const found = { feature: { name: NAME, location: { latitude: 407838351, longitude: -746143763 } }, distanceMeters: 1234.5 };
        nearestAnswers.set(limit, (answer = { features: Array.from({ length: limit }, () => found) }));
      }
      callback(null, answer);
    },
  },
);
server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  process.stdout.write(`listening on 127.0.0.1:${port}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.forceShutdown());
