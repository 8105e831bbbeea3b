/**
 * The index file's layout: a header page, then page-aligned sections. Little-endian throughout.
 *
 *   header (one 4096-byte page)
 *   names     UTF-8 bytes of every name, by insertion number
 *   offsets   Float64Array, count + 1 entries: name i is names[offsets[i]..offsets[i + 1])
 *   tree      flatbush's data (Int32 coordinates, nodeSize NODE_SIZE); leaf position p holds the
 *             feature whose insertion number is indices[p]
 *   slots     Uint32Array point hash, 2 x count slots (at least 16): p + 1, or 0 for empty
 *
 * The header names the storage the file was built from (its identity, and the token of the import at
 * the feed position the file holds), so that a file from another database, or from a copy or restore
 * of this one that has since diverged, is never served.
 */

import { crc32 } from 'node:zlib';

export const MAGIC = 'RGINDEX\0';
/** Bumped whenever the layout changes: a file of another version is rebuilt. */
export const FORMAT_VERSION = 1;
export const PAGE_SIZE = 4096;
/** Entries per node of the packed tree. */
export const NODE_SIZE = 16;
/** Names are mapped in pieces of this size, since a Buffer cannot exceed 4 GiB. */
export const NAME_PIECE_BYTES = 2 ** 30;

export const SECTION_NAMES = ['names', 'offsets', 'tree', 'slots'] as const;
export type SectionName = (typeof SECTION_NAMES)[number];

export interface SectionEntry {
  readonly offset: number;
  readonly length: number;
  readonly crc32: number;
}

/** What the header says. */
export interface IndexFileHeader {
  readonly version: number;
  readonly count: number;
  /** The storage's random identity (Storage.identity). */
  readonly identity: string;
  /** The import feed's position read before the features were scanned: catch-up starts here. */
  readonly feedPosition: number;
  /** The position read after the scan: imports up to here may already be in the file. */
  readonly overlapThrough: number;
  /** The token of the import at overlapThrough ('' when overlapThrough is 0). */
  readonly importToken: string;
  readonly sections: Readonly<Record<SectionName, SectionEntry>>;
}

const TEXT_FIELD_BYTES = 64;
const OFFSETS = {
  magic: 0,
  version: 8,
  count: 16,
  feedPosition: 24,
  overlapThrough: 32,
  identity: 40,
  importToken: 40 + TEXT_FIELD_BYTES,
  sections: 40 + 2 * TEXT_FIELD_BYTES,
} as const;
const SECTION_ENTRY_BYTES = 24;
const HEADER_CRC_AT = OFFSETS.sections + SECTION_NAMES.length * SECTION_ENTRY_BYTES;

/** Why a file cannot be used; the message is a short clause for the log line. */
export class IndexFileRejected extends Error {
  override readonly name = 'IndexFileRejected';
}

export function alignToPage(offset: number): number {
  return Math.ceil(offset / PAGE_SIZE) * PAGE_SIZE;
}

/** The point hash's slot count for `count` features. */
export function slotCount(count: number): number {
  return Math.max(16, count * 2);
}

/**
 * The slot where a point's probe starts: the coordinates mixed (murmur3's finaliser), scaled onto
 * `capacity` slots by multiplication (Lemire's fast range) so that any capacity works.
 */
export function firstSlot(latitude: number, longitude: number, capacity: number): number {
  let h = Math.imul(latitude, 0x9e3779b1) ^ longitude;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return Math.min(capacity - 1, Math.floor(((h >>> 0) / 4294967296) * capacity));
}

function writeText(view: DataView, at: number, text: string, field: string): void {
  const bytes = Buffer.from(text, 'latin1');
  if (bytes.length > TEXT_FIELD_BYTES) throw new Error(`${field} is longer than ${TEXT_FIELD_BYTES} bytes`);
  new Uint8Array(view.buffer, view.byteOffset + at, TEXT_FIELD_BYTES).set(bytes);
}

function readText(view: DataView, at: number): string {
  const bytes = Buffer.from(view.buffer, view.byteOffset + at, TEXT_FIELD_BYTES);
  const end = bytes.indexOf(0);
  return bytes.toString('latin1', 0, end === -1 ? TEXT_FIELD_BYTES : end);
}

export function encodeHeader(header: IndexFileHeader): Buffer {
  const page = Buffer.alloc(PAGE_SIZE);
  const view = new DataView(page.buffer, page.byteOffset, PAGE_SIZE);
  page.write(MAGIC, OFFSETS.magic, 'latin1');
  view.setUint32(OFFSETS.version, header.version, true);
  view.setBigUint64(OFFSETS.count, BigInt(header.count), true);
  view.setBigUint64(OFFSETS.feedPosition, BigInt(header.feedPosition), true);
  view.setBigUint64(OFFSETS.overlapThrough, BigInt(header.overlapThrough), true);
  writeText(view, OFFSETS.identity, header.identity, 'the storage identity');
  writeText(view, OFFSETS.importToken, header.importToken, 'the import token');
  SECTION_NAMES.forEach((name, i) => {
    const at = OFFSETS.sections + i * SECTION_ENTRY_BYTES;
    const section = header.sections[name];
    view.setBigUint64(at, BigInt(section.offset), true);
    view.setBigUint64(at + 8, BigInt(section.length), true);
    view.setUint32(at + 16, section.crc32, true);
  });
  view.setUint32(HEADER_CRC_AT, crc32(page.subarray(0, HEADER_CRC_AT)), true);
  return page;
}

/** Reads a header page, or throws IndexFileRejected saying what is wrong with it. */
export function decodeHeader(page: Buffer, fileSize: number): IndexFileHeader {
  if (page.length < PAGE_SIZE || page.toString('latin1', 0, MAGIC.length) !== MAGIC) throw new IndexFileRejected('it is not an index file');
  const view = new DataView(page.buffer, page.byteOffset, PAGE_SIZE);
  const version = view.getUint32(OFFSETS.version, true);
  if (version !== FORMAT_VERSION) throw new IndexFileRejected(`it is of format version ${version}, not ${FORMAT_VERSION}`);
  if (view.getUint32(HEADER_CRC_AT, true) !== crc32(page.subarray(0, HEADER_CRC_AT))) throw new IndexFileRejected('its header fails its checksum');
  const sections = {} as Record<SectionName, SectionEntry>;
  SECTION_NAMES.forEach((name, i) => {
    const at = OFFSETS.sections + i * SECTION_ENTRY_BYTES;
    const offset = Number(view.getBigUint64(at, true));
    const length = Number(view.getBigUint64(at + 8, true));
    if (offset % PAGE_SIZE !== 0 || offset + length > fileSize) {
      throw new IndexFileRejected(`it is truncated (its ${name} section ends at byte ${offset + length}, the file at ${fileSize})`);
    }
    sections[name] = { offset, length, crc32: view.getUint32(at + 16, true) };
  });
  return {
    version,
    count: Number(view.getBigUint64(OFFSETS.count, true)),
    feedPosition: Number(view.getBigUint64(OFFSETS.feedPosition, true)),
    overlapThrough: Number(view.getBigUint64(OFFSETS.overlapThrough, true)),
    identity: readText(view, OFFSETS.identity),
    importToken: readText(view, OFFSETS.importToken),
    sections,
  };
}
