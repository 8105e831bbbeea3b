import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { Point, Rectangle, RouteNote } from '../gen/messages/route_guide.js';
import { MalformedRequest } from '../service/malformed-request.js';

/*
 * Request decoding that never throws: grpc-js answers a throwing deserializer with INTERNAL, so a
 * bad request decodes to a MalformedRequest, which validation turns into INVALID_ARGUMENT.
 */

class InvalidUtf8 extends Error {
  constructor(readonly field: string) {
    super(`${field} is not valid UTF-8`);
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A decoder that returns a MalformedRequest instead of throwing; `type` is the message's full name. */
export function tolerant<T>(type: string, decode: (bytes: Buffer) => T): (bytes: Buffer) => T | MalformedRequest {
  return (bytes) => {
    try {
      return decode(bytes);
    } catch (error) {
      if (error instanceof InvalidUtf8) return new MalformedRequest(error.field, 'is not valid UTF-8');
      return new MalformedRequest('', `is not a valid ${type} message (malformed protobuf)`);
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

/** Deserializers for RouteGuide's requests that return a MalformedRequest instead of throwing. */
export const decodeRequest = {
  point: tolerant('routeguide.Point', (bytes) => Point.decode(bytes)),
  rectangle: tolerant('routeguide.Rectangle', (bytes) => Rectangle.decode(bytes)),
  routeNote: tolerant('routeguide.RouteNote', decodeRouteNoteStrictly),
} as const;
