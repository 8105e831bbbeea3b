import { afterEach, describe, expect, it, vi } from 'vitest';
import * as grpcJsRouteGuide from '../../src/gen/grpc-js/route_guide.js';
import * as grpcJsExtensions from '../../src/gen/grpc-js/route_guide_extensions.js';
import { Feature, Point } from '../../src/gen/messages/route_guide.js';
import { NearestFeaturesRequest } from '../../src/gen/messages/route_guide_extensions.js';

describe('generated grpc-js code (src/gen/grpc-js)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('defines no message of its own: the messages output is the one definition', () => {
    const messages = ['Point', 'Rectangle', 'Feature', 'RouteNote', 'RouteSummary'];
    const extensionMessages = ['NearestFeaturesRequest', 'FeatureDistance', 'NearestFeaturesResponse', 'ExportFeaturesRequest', 'FeatureBatch', 'PostNoteResponse', 'CountFeaturesRequest', 'CountFeaturesResponse'];
    expect(Object.keys(grpcJsRouteGuide).filter((name) => messages.includes(name))).toEqual([]);
    expect(Object.keys(grpcJsExtensions).filter((name) => extensionMessages.includes(name))).toEqual([]);
  });

  it('encodes and decodes through the messages output', () => {
    const encode = vi.spyOn(Feature, 'encode');
    const decode = vi.spyOn(Point, 'decode');
    const decodeRequest = vi.spyOn(NearestFeaturesRequest, 'decode');
    const { getFeature } = grpcJsRouteGuide.RouteGuideService;
    getFeature.responseSerialize(Feature.create({ name: 'x' }));
    getFeature.requestDeserialize(Buffer.from(Point.encode({ latitude: 1, longitude: 2 }).finish()));
    grpcJsExtensions.RouteGuideExtensionsService.nearestFeatures.requestDeserialize(Buffer.alloc(0));
    expect([encode.mock.calls.length, decode.mock.calls.length, decodeRequest.mock.calls.length]).toEqual([1, 1, 1]);
  });
});
