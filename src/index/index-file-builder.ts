import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import Flatbush from 'flatbush';
import {
  alignToPage,
  encodeHeader,
  FORMAT_VERSION,
  firstSlot,
  NODE_SIZE,
  PAGE_SIZE,
  slotCount,
  type IndexFileHeader,
  type SectionEntry,
} from './index-file-format.js';

/** What the header records of the storage a file is built from (see IndexFileHeader). */
export interface IndexFileOrigin {
  readonly identity: string;
  readonly feedPosition: number;
  readonly overlapThrough: number;
  readonly importToken: string;
}

/** Points held per chunk of coordinates while features arrive (their count is not known before the end). */
const CHUNK_POINTS = 1 << 20;
/** Bytes staged before a write to the file. */
const STAGE_BYTES = 1 << 20;
/** The most written by one call (writeSync takes at most 2 GiB). */
const WRITE_PIECE_BYTES = 1 << 30;

/** Writes `bytes` at `position`, in pieces, and returns the checksum carried on from `crc`. */
function writeAll(fd: number, bytes: Uint8Array, position: number, crc: number): number {
  for (let done = 0; done < bytes.length; ) {
    const piece = bytes.subarray(done, Math.min(bytes.length, done + WRITE_PIECE_BYTES));
    let written = 0;
    while (written < piece.length) written += writeSync(fd, piece, written, piece.length - written, position + done + written);
    crc = crc32(piece, crc);
    done += piece.length;
  }
  return crc;
}

/**
 * Builds an index file's content into an open file descriptor, feature by feature, in bounded memory
 * besides the packed tree itself: names stream into the file as they arrive, offsets into a side
 * file, and coordinates into chunks until the count is known and the tree is built. At 100M features
 * the peak is the tree (21 bytes a feature) plus the point hash (8) or the coordinate chunks (8).
 */
export class IndexFileBuilder {
  private readonly stage = Buffer.allocUnsafe(STAGE_BYTES);
  private staged = 0;
  private namesLength = 0;
  private namesCrc = 0;
  private readonly offsets = new Float64Array(STAGE_BYTES / 8);
  private offsetsStaged = 0;
  private readonly offsetsFd: number;
  private readonly chunks: Int32Array[] = [];
  private chunk = new Int32Array(2 * CHUNK_POINTS);
  private inChunk = 0;
  private count = 0;
  private finished = false;

  /** `fd` is the file to build (written from byte 0); `scratchPath` names a side file, removed at the end. */
  constructor(
    private readonly fd: number,
    private readonly scratchPath: string,
  ) {
    this.offsetsFd = openSync(scratchPath, 'w+');
    this.offsets[this.offsetsStaged++] = 0;
  }

  get size(): number {
    return this.count;
  }

  /** Adds a feature whose name is given as a string. */
  add(latitude: number, longitude: number, name: string): void {
    if (this.staged + name.length * 3 > STAGE_BYTES) this.flushNames();
    if (name.length * 3 > STAGE_BYTES) {
      this.writeName(Buffer.from(name, 'utf8'));
    } else if (name.length > 0) {
      const written = this.stage.write(name, this.staged, 'utf8');
      this.staged += written;
      this.namesLength += written;
    }
    this.addPoint(latitude, longitude);
  }

  /** Adds a feature whose name is given as UTF-8 bytes (`bytes[start..end)`), as a merge copies it. */
  addEncoded(latitude: number, longitude: number, bytes: Uint8Array, start: number, end: number): void {
    const length = end - start;
    if (this.staged + length > STAGE_BYTES) this.flushNames();
    if (length > STAGE_BYTES) {
      this.writeName(bytes.subarray(start, end));
    } else {
      this.stage.set(bytes.subarray(start, end), this.staged);
      this.staged += length;
      this.namesLength += length;
    }
    this.addPoint(latitude, longitude);
  }

  private writeName(bytes: Uint8Array): void {
    this.flushNames();
    this.namesCrc = writeAll(this.fd, bytes, PAGE_SIZE + this.namesLength, this.namesCrc);
    this.namesLength += bytes.length;
  }

  private addPoint(latitude: number, longitude: number): void {
    if (this.finished) throw new Error('the index file is already finished');
    if (this.inChunk === CHUNK_POINTS) {
      this.chunks.push(this.chunk);
      this.chunk = new Int32Array(2 * CHUNK_POINTS);
      this.inChunk = 0;
    }
    this.chunk[2 * this.inChunk] = longitude;
    this.chunk[2 * this.inChunk + 1] = latitude;
    this.inChunk++;
    this.count++;
    if (this.offsetsStaged === this.offsets.length) this.flushOffsets();
    this.offsets[this.offsetsStaged++] = this.namesLength;
  }

  private flushNames(): void {
    if (this.staged === 0) return;
    const start = PAGE_SIZE + this.namesLength - this.staged;
    this.namesCrc = writeAll(this.fd, this.stage.subarray(0, this.staged), start, this.namesCrc);
    this.staged = 0;
  }

  private offsetsWritten = 0;
  private flushOffsets(): void {
    const bytes = new Uint8Array(this.offsets.buffer, 0, this.offsetsStaged * 8);
    writeAll(this.offsetsFd, bytes, this.offsetsWritten, 0);
    this.offsetsWritten += bytes.length;
    this.offsetsStaged = 0;
  }

  /**
   * Writes the rest (offsets, tree, point hash) and the header, and returns the header. The file is
   * complete but not synced: the caller syncs and renames it.
   */
  finish(origin: IndexFileOrigin): IndexFileHeader {
    this.finished = true;
    this.flushNames();
    this.flushOffsets();
    try {
      const names: SectionEntry = { offset: PAGE_SIZE, length: this.namesLength, crc32: this.namesCrc };
      const offsets = this.copyOffsets(alignToPage(names.offset + names.length));
      const { entry: tree, flatbush } = this.writeTree(alignToPage(offsets.offset + offsets.length));
      const slots = this.writeSlots(flatbush, alignToPage(tree.offset + tree.length));
      const header: IndexFileHeader = { version: FORMAT_VERSION, count: this.count, ...origin, sections: { names, offsets, tree, slots } };
      writeAll(this.fd, encodeHeader(header), 0, 0);
      return header;
    } finally {
      this.discardScratch();
    }
  }

  /** Removes the side file (after finish, or when a build is abandoned). */
  discardScratch(): void {
    try {
      closeSync(this.offsetsFd);
    } catch {
      // Already closed by an earlier call.
      return;
    }
    unlinkSync(this.scratchPath);
  }

  private copyOffsets(at: number): SectionEntry {
    const piece = Buffer.allocUnsafe(STAGE_BYTES);
    let crc = 0;
    for (let done = 0; done < this.offsetsWritten; ) {
      const read = readSync(this.offsetsFd, piece, 0, Math.min(piece.length, this.offsetsWritten - done), done);
      if (read === 0) throw new Error('the index build lost its offsets (side file shorter than written)');
      crc = writeAll(this.fd, piece.subarray(0, read), at + done, crc);
      done += read;
    }
    return { offset: at, length: this.offsetsWritten, crc32: crc };
  }

  private writeTree(at: number): { entry: SectionEntry; flatbush: Flatbush } {
    // flatbush needs at least one item; an empty index has a tree of one item that no lookup reaches.
    const flatbush = new Flatbush(Math.max(1, this.count), NODE_SIZE, Int32Array);
    const chunks = [...this.chunks, this.chunk.subarray(0, 2 * this.inChunk)];
    this.chunks.length = 0;
    this.chunk = new Int32Array(0);
    for (let c = 0; c < chunks.length; c++) {
      const points = chunks[c]!;
      for (let i = 0; i < points.length; i += 2) flatbush.add(points[i]!, points[i + 1]!, points[i]!, points[i + 1]!);
      // Each chunk is let go once copied, so coordinates and tree are never both whole in memory.
      chunks[c] = new Int32Array(0);
    }
    if (this.count === 0) flatbush.add(0, 0, 0, 0);
    flatbush.finish();
    const data = new Uint8Array(flatbush.data as ArrayBuffer);
    const crc = writeAll(this.fd, data, at, 0);
    return { entry: { offset: at, length: data.length, crc32: crc }, flatbush };
  }

  private writeSlots(flatbush: Flatbush, at: number): SectionEntry {
    const capacity = slotCount(this.count);
    const slots = new Uint32Array(capacity);
    const boxes = flatbush._boxes as Int32Array;
    for (let p = 0; p < this.count; p++) {
      const longitude = boxes[4 * p]!;
      const latitude = boxes[4 * p + 1]!;
      let slot = firstSlot(latitude, longitude, capacity);
      while (slots[slot] !== 0) slot = slot + 1 === capacity ? 0 : slot + 1;
      slots[slot] = p + 1;
    }
    const bytes = new Uint8Array(slots.buffer);
    const crc = writeAll(this.fd, bytes, at, 0);
    return { offset: at, length: bytes.length, crc32: crc };
  }
}
