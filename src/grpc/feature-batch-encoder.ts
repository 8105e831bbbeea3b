import { Feature } from '../gen/messages/route_guide.js';
import { int32Size, varintSize, writeVarint } from './protobuf-varint.js';
import type { FeatureWalk } from '../index/feature-index.js';

/*
 * FeatureBatch messages written straight into one buffer per batch, byte for byte what the generated
 * `FeatureBatch.encode` writes. ExportFeatures' whole cost per feature is here and in the index walk,
 * so nothing is allocated per feature: the index hands over each name as the UTF-8 bytes it stores
 * (FeatureIndex.visitWithin), and they are copied once, into the message.
 */

/** FeatureBatch.features (1), Feature.name (1) and Feature.location (2): length-delimited. */
const FEATURES_TAG = (1 << 3) | 2;
const NAME_TAG = (1 << 3) | 2;
const LOCATION_TAG = (2 << 3) | 2;
/** Point.latitude (1) and Point.longitude (2): varints. */
const LATITUDE_TAG = (1 << 3) | 0;
const LONGITUDE_TAG = (2 << 3) | 0;
/** Below this, a JS loop copies a name faster than a call into Buffer.copy. */
const SHORT_NAME_BYTES = 48;
/**
 * The first batch's buffer holds this much per feature, up to FIRST_BATCH_MAX_BYTES (a small export
 * should not allocate for 65536 features); it grows by doubling, and later ones are sized from the
 * batch before.
 */
const FIRST_GUESS_BYTES_PER_FEATURE = 64;
const FIRST_BATCH_MAX_BYTES = 64 * 1024;

/** protobuf int32; a negative one is its 64-bit two's complement, whose last six bytes are fixed. */
function writeInt32(buffer: Buffer, position: number, value: number): number {
  if (value >= 0) return writeVarint(buffer, position, value);
  const low = value >>> 0;
  buffer[position] = (low & 0x7f) | 0x80;
  buffer[position + 1] = ((low >>> 7) & 0x7f) | 0x80;
  buffer[position + 2] = ((low >>> 14) & 0x7f) | 0x80;
  buffer[position + 3] = ((low >>> 21) & 0x7f) | 0x80;
  buffer[position + 4] = (low >>> 28) | 0xf0;
  buffer[position + 5] = 0xff;
  buffer[position + 6] = 0xff;
  buffer[position + 7] = 0xff;
  buffer[position + 8] = 0xff;
  buffer[position + 9] = 0x01;
  return position + 10;
}

function isInt32(value: number): boolean {
  return (value | 0) === value;
}

/**
 * Collects features into FeatureBatch messages. Each holds at most `batchSize` features, fewer only
 * where one more would take the message past `maxBytes` (a feature bigger than that on its own still
 * goes, alone). `add` and `addUtf8` say when a batch is finished; `take` hands it over.
 */
export class FeatureBatchEncoder {
  private buffer: Buffer;
  private position = 0;
  private count = 0;
  private finished: Buffer | undefined;
  /** Where a name typed as a string is turned into UTF-8 before it is copied like a stored one. */
  private scratch = Buffer.allocUnsafe(1024);

  constructor(
    private readonly batchSize: number,
    private readonly maxBytes: number,
  ) {
    this.buffer = Buffer.allocUnsafe(this.firstCapacity());
  }

  /**
   * Adds a feature whose name is `names[nameStart..nameEnd)` as UTF-8, at an int32 point; returns
   * true once a finished batch waits in `take()`. An arrow property, so the index can call it unbound.
   */
  readonly addUtf8 = (names: Uint8Array, nameStart: number, nameEnd: number, latitude: number, longitude: number): boolean => {
    const nameBytes = nameEnd - nameStart;
    let pointSize = 0;
    if (latitude !== 0) pointSize += 1 + int32Size(latitude);
    if (longitude !== 0) pointSize += 1 + int32Size(longitude);
    const featureSize = (nameBytes === 0 ? 0 : 1 + varintSize(nameBytes) + nameBytes) + 1 + varintSize(pointSize) + pointSize;
    const entrySize = 1 + varintSize(featureSize) + featureSize;
    this.makeRoom(entrySize);

    const buffer = this.buffer;
    let position = this.position;
    buffer[position++] = FEATURES_TAG;
    position = writeVarint(buffer, position, featureSize);
    if (nameBytes !== 0) {
      buffer[position++] = NAME_TAG;
      position = writeVarint(buffer, position, nameBytes);
      if (nameBytes < SHORT_NAME_BYTES) {
        for (let i = nameStart; i < nameEnd; i++) buffer[position++] = names[i]!;
      } else {
        buffer.set(names.subarray(nameStart, nameEnd), position);
        position += nameBytes;
      }
    }
    buffer[position++] = LOCATION_TAG;
    position = writeVarint(buffer, position, pointSize);
    if (latitude !== 0) {
      buffer[position++] = LATITUDE_TAG;
      position = writeInt32(buffer, position, latitude);
    }
    if (longitude !== 0) {
      buffer[position++] = LONGITUDE_TAG;
      position = writeInt32(buffer, position, longitude);
    }
    this.position = position;
    return this.added();
  };

  /** Adds a Feature message; returns true once a finished batch waits in `take()`. */
  add(feature: Feature): boolean {
    const { name, location } = feature;
    // Anything the fast path does not cover (no location, a coordinate that is not an int32) goes
    // the generated way, its errors included.
    if (location === undefined || !isInt32(location.latitude) || !isInt32(location.longitude)) {
      return this.addEncoded(Feature.encode(feature).finish());
    }
    if (name.length * 3 > this.scratch.length) this.scratch = Buffer.allocUnsafe(name.length * 3);
    const nameBytes = name === '' ? 0 : this.scratch.write(name, 0, 'utf8');
    return this.addUtf8(this.scratch, 0, nameBytes, location.latitude, location.longitude);
  }

  /** The finished batch, once; undefined if none is waiting. */
  take(): Buffer | undefined {
    const batch = this.finished;
    this.finished = undefined;
    return batch;
  }

  /** Finishes the batch being filled, if it holds any feature, and returns it (with `take()`'s). */
  finish(): Buffer | undefined {
    if (this.count > 0) this.finishBatch();
    return this.take();
  }

  private addEncoded(encoded: Uint8Array): boolean {
    const entrySize = 1 + varintSize(encoded.length) + encoded.length;
    this.makeRoom(entrySize);
    this.buffer[this.position++] = FEATURES_TAG;
    this.position = writeVarint(this.buffer, this.position, encoded.length);
    this.buffer.set(encoded, this.position);
    this.position += encoded.length;
    return this.added();
  }

  /** Before writing an entry: ends the batch if the entry would take it past maxBytes, then makes room. */
  private makeRoom(entrySize: number): void {
    if (this.count > 0 && this.position + entrySize > this.maxBytes) this.finishBatch();
    if (this.position + entrySize > this.buffer.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.position + entrySize, Math.min(this.buffer.length * 2, this.maxBytes)));
      this.buffer.copy(bigger, 0, 0, this.position);
      this.buffer = bigger;
    }
  }

  /** After writing an entry: ends the batch once it holds batchSize features. */
  private added(): boolean {
    if (++this.count >= this.batchSize) this.finishBatch();
    return this.finished !== undefined;
  }

  private finishBatch(): void {
    if (this.finished !== undefined) throw new Error('FeatureBatchEncoder: take() the finished batch before adding more');
    this.finished = this.buffer.subarray(0, this.position);
    // The next batch is probably the same size as this one: room for it and a little more, so it
    // rarely grows, within the byte cap (which one oversized feature may pass).
    this.buffer = Buffer.allocUnsafe(Math.max(64, Math.min(this.position + (this.position >>> 3) + 256, this.maxBytes)));
    this.position = 0;
    this.count = 0;
  }

  private firstCapacity(): number {
    return Math.max(64, Math.min(this.batchSize * FIRST_GUESS_BYTES_PER_FEATURE, FIRST_BATCH_MAX_BYTES, this.maxBytes));
  }
}

/**
 * Encodes features as FeatureBatch messages, lazily (a batch is built only when the previous one was
 * taken, which is what keeps a stalled reader's stream small): see FeatureBatchEncoder for the limits.
 * The features come either as Feature messages or, faster, as a walk over the index
 * (FeatureIndex.visitWithin), which hands over names as bytes and never builds a Feature.
 */
export function* encodeFeatureBatches(features: Iterable<Feature> | FeatureWalk, batchSize: number, maxBytes: number): Generator<Buffer, void, undefined> {
  const encoder = new FeatureBatchEncoder(batchSize, maxBytes);
  if (typeof features === 'function') {
    for (const _ of features(encoder.addUtf8)) {
      const batch = encoder.take();
      if (batch !== undefined) yield batch;
    }
  } else {
    for (const feature of features) {
      if (encoder.add(feature)) yield encoder.take()!;
    }
  }
  const last = encoder.finish();
  if (last !== undefined) yield last;
}
