import { Feature } from '../gen/messages/route_guide.js';
import { int32Size, isInt32, varintSize, writeInt32, writeVarint } from './protobuf-varint.js';

/**
 * A serializer for Feature responses, byte for byte what the generated `Feature.encode` writes
 * (test/grpc/feature-encoder.test.ts checks that), without the generated BinaryWriter's growing buffers
 * and forks: it sizes the message first and writes it into one buffer. GetFeature and
 * ListFeatures send a Feature per message, so this is the hottest serializer in the service.
 */

/** Feature.name (1) and Feature.location (2): length-delimited. */
export const NAME_TAG = (1 << 3) | 2;
export const LOCATION_TAG = (2 << 3) | 2;
/** Point.latitude (1) and Point.longitude (2): varints. */
export const LATITUDE_TAG = (1 << 3) | 0;
export const LONGITUDE_TAG = (2 << 3) | 0;

/** Encodes a Feature as protobuf; the same bytes as `Buffer.from(Feature.encode(feature).finish())`. */
export function serializeFeature(feature: Feature): Buffer {
  const { name, location } = feature;
  // Anything unusual (a coordinate the generated code would reject) goes the generated way, errors included.
  if (location !== undefined && !(isInt32(location.latitude) && isInt32(location.longitude))) {
    return Buffer.from(Feature.encode(feature).finish());
  }
  const nameBytes = name === '' ? 0 : Buffer.byteLength(name, 'utf8');
  let size = name === '' ? 0 : 1 + varintSize(nameBytes) + nameBytes;
  let pointSize = 0;
  if (location !== undefined) {
    if (location.latitude !== 0) pointSize += 1 + int32Size(location.latitude);
    if (location.longitude !== 0) pointSize += 1 + int32Size(location.longitude);
    size += 1 + varintSize(pointSize) + pointSize;
  }
  const buffer = Buffer.allocUnsafe(size);
  let position = 0;
  if (name !== '') {
    buffer[position++] = NAME_TAG;
    position = writeVarint(buffer, position, nameBytes);
    position += buffer.write(name, position, 'utf8');
  }
  if (location !== undefined) {
    buffer[position++] = LOCATION_TAG;
    position = writeVarint(buffer, position, pointSize);
    if (location.latitude !== 0) {
      buffer[position++] = LATITUDE_TAG;
      position = writeInt32(buffer, position, location.latitude);
    }
    if (location.longitude !== 0) {
      buffer[position++] = LONGITUDE_TAG;
      position = writeInt32(buffer, position, location.longitude);
    }
  }
  return buffer;
}
