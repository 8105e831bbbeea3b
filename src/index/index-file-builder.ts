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
 * besides the packed tree itself: names stream into the file as they arrive, and offsets and
 * coordinates into side files until the count is known and the tree is built. The point hash is
 * then built in the tree's own memory, from the tree as written. So the peak is the tree (21 bytes a
 * feature) plus flatbush's sort keys (4) while it packs: about 2.4 GB at 100M features.
 */
export class IndexFileBuilder {
  private readonly stage = Buffer.allocUnsafe(STAGE_BYTES);
  private staged = 0;
  private namesLength = 0;
  private namesCrc = 0;
  private readonly offsets = new Float64Array(STAGE_BYTES / 8);
  private offsetsStaged = 0;
  private readonly offsetsFd: number;
  private readonly points = new Int32Array(STAGE_BYTES / 4);
  private pointsStaged = 0;
  private pointsWritten = 0;
  private readonly pointsFd: number;
  private count = 0;
  private finished = false;

  /** `fd` is the file to build (written from byte 0); `scratchPath` names a side file, removed at the end. */
  constructor(
    private readonly fd: number,
    private readonly scratchPath: string,
  ) {
    this.offsetsFd = openSync(scratchPath, 'w+');
    this.pointsFd = openSync(`${scratchPath}-points`, 'w+');
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
    if (this.pointsStaged === this.points.length) this.flushPoints();
    this.points[this.pointsStaged++] = longitude;
    this.points[this.pointsStaged++] = latitude;
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

  private flushPoints(): void {
    const bytes = new Uint8Array(this.points.buffer, 0, this.pointsStaged * 4);
    writeAll(this.pointsFd, bytes, this.pointsWritten, 0);
    this.pointsWritten += bytes.length;
    this.pointsStaged = 0;
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
    this.flushPoints();
    try {
      const names: SectionEntry = { offset: PAGE_SIZE, length: this.namesLength, crc32: this.namesCrc };
      const offsets = this.copyOffsets(alignToPage(names.offset + names.length));
      const { entry: tree, memory } = this.writeTree(alignToPage(offsets.offset + offsets.length));
      const slots = this.writeSlots(memory, tree.offset, alignToPage(tree.offset + tree.length));
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
      closeSync(this.pointsFd);
    } catch {
      // Already closed by an earlier call.
      return;
    }
    unlinkSync(this.scratchPath);
    unlinkSync(`${this.scratchPath}-points`);
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

  /** Packs the tree from the coordinates' side file and writes it; hands back its memory for the hash. */
  private writeTree(at: number): { entry: SectionEntry; memory: ArrayBuffer } {
    // flatbush needs at least one item; an empty index has a tree of one item that no lookup reaches.
    const flatbush = new Flatbush(Math.max(1, this.count), NODE_SIZE, Int32Array);
    const piece = new Int32Array(STAGE_BYTES / 4);
    const bytes = new Uint8Array(piece.buffer);
    for (let done = 0; done < this.pointsWritten; ) {
      const read = readSync(this.pointsFd, bytes, 0, Math.min(bytes.length, this.pointsWritten - done), done);
      if (read === 0) throw new Error('the index build lost its coordinates (side file shorter than written)');
      for (let i = 0; i < read / 4; i += 2) flatbush.add(piece[i]!, piece[i + 1]!, piece[i]!, piece[i + 1]!);
      done += read;
    }
    if (this.count === 0) flatbush.add(0, 0, 0, 0);
    flatbush.finish();
    const data = new Uint8Array(flatbush.data as ArrayBuffer);
    const crc = writeAll(this.fd, data, at, 0);
    return { entry: { offset: at, length: data.length, crc32: crc }, memory: flatbush.data as ArrayBuffer };
  }

  /**
   * Builds the point hash in `memory` (the tree's, no longer needed once written, when it is large
   * enough: it always is but for a handful of features), reading the leaves' points back from the
   * tree as written at `treeAt` (flatbush's 8-byte header, then each leaf's box), and writes it.
   */
  private writeSlots(memory: ArrayBuffer, treeAt: number, at: number): SectionEntry {
    const capacity = slotCount(this.count);
    const slots = memory.byteLength >= capacity * 4 ? new Uint32Array(memory, 0, capacity) : new Uint32Array(capacity);
    slots.fill(0);
    const piece = new Int32Array(STAGE_BYTES / 4);
    const bytes = new Uint8Array(piece.buffer);
    const leafBytes = this.count * 16;
    for (let done = 0; done < leafBytes; ) {
      const read = readSync(this.fd, bytes, 0, Math.min(bytes.length, leafBytes - done), treeAt + 8 + done);
      if (read === 0 || read % 16 !== 0) throw new Error('the index build could not read back the tree it wrote');
      const first = done / 16;
      for (let i = 0; i < read / 4; i += 4) {
        const longitude = piece[i]!;
        const latitude = piece[i + 1]!;
        let slot = firstSlot(latitude, longitude, capacity);
        while (slots[slot] !== 0) slot = slot + 1 === capacity ? 0 : slot + 1;
        slots[slot] = first + i / 4 + 1;
      }
      done += read;
    }
    const crc = writeAll(this.fd, new Uint8Array(slots.buffer, slots.byteOffset, capacity * 4), at, 0);
    return { offset: at, length: capacity * 4, crc32: crc };
  }
}
