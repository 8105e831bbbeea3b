import { BinaryReader } from '@bufbuild/protobuf/wire';
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

/** UTF-8 to text for the reader, throwing instead of substituting U+FFFD for bytes that are not UTF-8. */
function decodeStrictUtf8(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new InvalidUtf8('message');
  }
}

/**
 * Decodes a RouteNote, rejecting a message that is not valid UTF-8. proto3 strings must be UTF-8,
 * and the generated decoder would silently substitute U+FFFD, storing an altered note. One pass:
 * the generated decoder reads through a reader whose string decoding is strict (RouteNote's one
 * string field is its message).
 */
function decodeRouteNoteStrictly(bytes: Buffer): RouteNote {
  const reader = new BinaryReader(bytes, decodeStrictUtf8);
  const note = RouteNote.decode(reader);
  // The generated decoder stops at a zero tag or an end-group tag; what follows one means the bytes are not a RouteNote.
  if (reader.pos < reader.len) throw new Error('illegal tag');
  return note;
}

/** Deserializers for RouteGuide's requests that return a MalformedRequest instead of throwing. */
export const decodeRequest = {
  point: tolerant('routeguide.Point', (bytes) => Point.decode(bytes)),
  rectangle: tolerant('routeguide.Rectangle', (bytes) => Rectangle.decode(bytes)),
  routeNote: tolerant('routeguide.RouteNote', decodeRouteNoteStrictly),
} as const;
