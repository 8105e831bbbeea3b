import { describe, expect, it } from 'vitest';
import { RouteNote } from '../../src/gen/messages/route_guide.js';
import { decodeRequest } from '../../src/grpc/request-decoding.js';
import { MalformedRequest } from '../../src/service/malformed-request.js';

const bytes = (...values: number[]) => Buffer.from(values);

describe('RouteNote request decoding', () => {
  it('decodes a RouteNote as the generated decoder does, non-ASCII text included', () => {
    const note = { location: { latitude: 409146138, longitude: -746188906 }, message: 'Grüße, €100 ✓' };
    expect(decodeRequest.routeNote(Buffer.from(RouteNote.encode(note).finish()))).toEqual(note);
  });

  it('answers a message that is not UTF-8 with a MalformedRequest naming the message field', () => {
    const decoded = decodeRequest.routeNote(bytes(0x12, 0x02, 0xc3, 0x28));
    expect(decoded).toBeInstanceOf(MalformedRequest);
    expect(decoded).toMatchObject({ field: 'message', problem: 'is not valid UTF-8' });
  });

  it('answers a later bad copy of the message field as not UTF-8 too, though the last copy wins', () => {
    expect(decodeRequest.routeNote(bytes(0x12, 0x01, 0xff, 0x12, 0x01, 0x61))).toMatchObject({ field: 'message' });
  });

  it('answers a zero tag before more fields, and a message cut off inside its text, as malformed protobuf', () => {
    for (const input of [bytes(0x00, 0x12, 0x01, 0x61), bytes(0x12, 0x05, 0x61)]) {
      expect(decodeRequest.routeNote(input)).toMatchObject({ field: '', problem: 'is not a valid routeguide.RouteNote message (malformed protobuf)' });
    }
  });
});
