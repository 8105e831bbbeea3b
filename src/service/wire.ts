import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { Point, Rectangle, RouteGuideService, RouteNote } from '../gen/route_guide.js';

/**
 * A request whose bytes are not a valid message. Decoding returns it instead of throwing, because
 * grpc-js answers a throwing deserializer with INTERNAL; validation turns it into INVALID_ARGUMENT.
 */
export class MalformedRequest {
  constructor(
    /** The field at fault, or '' for the message as a whole. */
    readonly field: string,
    /** Safe to send: says what is wrong without the parser's internals. */
    readonly problem: string,
  ) {}
}

class InvalidUtf8 extends Error {
  constructor(readonly field: string) {
    super(`${field} is not valid UTF-8`);
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function tolerant<T>(type: string, decode: (bytes: Buffer) => T): (bytes: Buffer) => T | MalformedRequest {
  return (bytes) => {
    try {
      return decode(bytes);
    } catch (error) {
      if (error instanceof InvalidUtf8) return new MalformedRequest(error.field, 'is not valid UTF-8');
      return new MalformedRequest('', `is not a valid routeguide.${type} message (malformed protobuf)`);
    }
  };
}

/**
 * Decodes a RouteNote, rejecting a message that is not valid UTF-8. proto3 strings must be UTF-8,
 * and the generated decoder would silently substitute U+FFFD, storing an altered note.
 */
function decodeRouteNoteStrictly(bytes: Buffer): RouteNote {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [fieldNo, wireType] = reader.tag();
    if (fieldNo === 2 && wireType === WireType.LengthDelimited) {
      try {
        strictUtf8.decode(reader.bytes());
      } catch {
        throw new InvalidUtf8('message');
      }
    } else {
      reader.skip(wireType, fieldNo);
    }
  }
  return RouteNote.decode(bytes);
}

/** The RouteGuide service definition with request decoding that never throws. */
export const strictRouteGuideService = {
  getFeature: { ...RouteGuideService.getFeature, requestDeserialize: tolerant('Point', (b) => Point.decode(b)) },
  listFeatures: { ...RouteGuideService.listFeatures, requestDeserialize: tolerant('Rectangle', (b) => Rectangle.decode(b)) },
  recordRoute: { ...RouteGuideService.recordRoute, requestDeserialize: tolerant('Point', (b) => Point.decode(b)) },
  routeChat: { ...RouteGuideService.routeChat, requestDeserialize: tolerant('RouteNote', decodeRouteNoteStrictly) },
} as const;
