import { Feature } from '../gen/messages/route_guide.js';
import { LATITUDE_TAG, LOCATION_TAG, LONGITUDE_TAG, NAME_TAG } from './feature-encoder.js';
import { int32Size, isInt32, varintSize, writeInt32, writeVarint } from './protobuf-varint.js';

/*
 * FeatureBatch messages written straight into one buffer per batch, byte for byte what the generated
 * `FeatureBatch.encode` writes: nothing is allocated per feature but its name's UTF-8, written into
 * one scratch buffer and copied once, into the message.
 */

/** FeatureBatch.features (1): length-delimited. */
const FEATURES_TAG = (1 << 3) | 2;
/** Below this, a JS loop copies a name faster than a call into Buffer.copy. */
const SHORT_NAME_BYTES = 48;
/**
 * The first batch's buffer holds this much per feature, up to FIRST_BATCH_MAX_BYTES (a small export
 * should not allocate for 65536 features); it grows by doubling, and later ones are sized from the
 * batch before.
 */
const FIRST_GUESS_BYTES_PER_FEATURE = 64;
const FIRST_BATCH_MAX_BYTES = 64 * 1024;

/**
 * Collects features into FeatureBatch messages. Each holds at most `batchSize` features, fewer only
 * where one more would take the message past `maxBytes` (a feature bigger than that on its own still
 * goes, alone). `add` says when a batch is finished; `take` hands it over.
 */
export class FeatureBatchEncoder {
  private buffer: Buffer;
  private position = 0;
  private count = 0;
  private finished: Buffer | undefined;
  /** Where a feature's name is turned into UTF-8 before it is copied into the message. */
  private scratch = Buffer.allocUnsafe(1024);

  constructor(
    private readonly batchSize: number,
    private readonly maxBytes: number,
  ) {
    this.buffer = Buffer.allocUnsafe(this.firstCapacity());
  }

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
    return this.addLocated(nameBytes, location.latitude, location.longitude);
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

  /** Adds a feature whose name is the first `nameBytes` of the scratch buffer, at an int32 point. */
  private addLocated(nameBytes: number, latitude: number, longitude: number): boolean {
    let pointSize = 0;
    if (latitude !== 0) pointSize += 1 + int32Size(latitude);
    if (longitude !== 0) pointSize += 1 + int32Size(longitude);
    const featureSize = (nameBytes === 0 ? 0 : 1 + varintSize(nameBytes) + nameBytes) + 1 + varintSize(pointSize) + pointSize;
    const entrySize = 1 + varintSize(featureSize) + featureSize;
    this.makeRoom(entrySize);

    const { buffer, scratch } = this;
    let position = this.position;
    buffer[position++] = FEATURES_TAG;
    position = writeVarint(buffer, position, featureSize);
    if (nameBytes !== 0) {
      buffer[position++] = NAME_TAG;
      position = writeVarint(buffer, position, nameBytes);
      if (nameBytes < SHORT_NAME_BYTES) {
        for (let i = 0; i < nameBytes; i++) buffer[position++] = scratch[i]!;
      } else {
        scratch.copy(buffer, position, 0, nameBytes);
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
 */
export function* encodeFeatureBatches(features: Iterable<Feature>, batchSize: number, maxBytes: number): Generator<Buffer, void, undefined> {
  const encoder = new FeatureBatchEncoder(batchSize, maxBytes);
  for (const feature of features) {
    if (encoder.add(feature)) yield encoder.take()!;
  }
  const last = encoder.finish();
  if (last !== undefined) yield last;
}
