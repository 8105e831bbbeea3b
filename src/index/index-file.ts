import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { writeFileAtomically } from '../common/replace-file.js';
import { IndexFileBuilder, type IndexFileOrigin } from './index-file-builder.js';
import {
  decodeHeader,
  IndexFileRejected,
  NAME_PIECE_BYTES,
  PAGE_SIZE,
  SECTION_NAMES,
  type IndexFileHeader,
} from './index-file-format.js';
import { mapSections, type FileSection } from './mapped-file.js';
import { PackedFeatures } from './packed-features.js';

export { IndexFileRejected, type IndexFileHeader, type IndexFileOrigin };

/** Why a file that is not there is not used. */
export const MISSING = 'it does not exist';

/** An index file, opened and validated. */
export interface OpenedIndexFile {
  readonly header: IndexFileHeader;
  readonly features: PackedFeatures;
  /** Whether the sections are memory-mapped (false: read into the heap, and `reason` says why). */
  readonly mapped: boolean;
  readonly reason?: string;
}

export interface OpenIndexFileOptions {
  /** Check every section against its checksum (reads the whole file once). */
  readonly verifyChecksums: boolean;
}

function readHeader(path: string): { header: IndexFileHeader; size: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new IndexFileRejected(MISSING);
    throw new IndexFileRejected(`it cannot be read (${code ?? (error as Error).message})`);
  }
  try {
    const size = fstatSync(fd).size;
    const page = Buffer.alloc(PAGE_SIZE);
    const read = readSync(fd, page, 0, PAGE_SIZE, 0);
    if (read < PAGE_SIZE) throw new IndexFileRejected(`it is truncated (${size} bytes, shorter than its header)`);
    return { header: decodeHeader(page, size), size };
  } finally {
    closeSync(fd);
  }
}

/** The names section's pieces, each a mapping of its own. */
function namePieces(header: IndexFileHeader): FileSection[] {
  const { offset, length } = header.sections.names;
  const pieces: FileSection[] = [];
  for (let at = 0; at < length; at += NAME_PIECE_BYTES) pieces.push({ offset: offset + at, length: Math.min(NAME_PIECE_BYTES, length - at) });
  return pieces;
}

/** Bytes read at a time while checksums are checked. */
const VERIFY_PIECE_BYTES = 4 << 20;

/**
 * Checks every section against its checksum, reading the file in large pieces rather than through
 * its mapping: the mapping is advised for random access, which takes a page fault for every 4 KiB
 * page, and that ran at about 0.7 GB/s against several GB/s for reads from the page cache.
 */
function verifySections(path: string, header: IndexFileHeader): void {
  const fd = openSync(path, 'r');
  try {
    const piece = Buffer.allocUnsafeSlow(VERIFY_PIECE_BYTES);
    for (const name of SECTION_NAMES) {
      const { offset, length } = header.sections[name];
      let crc = 0;
      for (let done = 0; done < length; ) {
        const read = readSync(fd, piece, 0, Math.min(piece.length, length - done), offset + done);
        if (read === 0) throw new IndexFileRejected(`it is truncated (its ${name} section ends early)`);
        crc = crc32(piece.subarray(0, read), crc);
        done += read;
      }
      if (crc !== header.sections[name].crc32) throw new IndexFileRejected(`its ${name} section fails its checksum`);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens an index file: reads and checks its header, maps its sections (or reads them, where mapping
 * is not available), and, if asked, checks every section's checksum. Throws IndexFileRejected,
 * saying why, for a file that cannot be trusted; any other error is a fault of the machine.
 */
export function openIndexFile(path: string, options: OpenIndexFileOptions): OpenedIndexFile {
  const { header } = readHeader(path);
  const { sections, count } = header;
  const pieces = namePieces(header);
  const expectedSlots = Math.max(16, count * 2) * 4;
  if (sections.offsets.length !== (count + 1) * 8) throw new IndexFileRejected(`its offsets section does not fit ${count} features`);
  if (sections.slots.length !== expectedSlots) throw new IndexFileRejected(`its point hash does not fit ${count} features`);
  if (options.verifyChecksums) verifySections(path, header);
  const mapping = mapSections(path, [sections.tree, sections.offsets, sections.slots, ...pieces]);
  const [tree, offsets, slots, ...names] = mapping.buffers as Buffer[];
  let features: PackedFeatures;
  try {
    features = new PackedFeatures({ count, tree: tree!, offsets: offsets!, slots: slots!, names, namePieceBytes: NAME_PIECE_BYTES });
  } catch (error) {
    throw new IndexFileRejected(`its tree cannot be read (${(error as Error).message})`);
  }
  return { header, features, mapped: mapping.mapped, ...(mapping.reason === undefined ? {} : { reason: mapping.reason }) };
}

/**
 * Writes a new index file at `path`, whole: built under a temporary name, synced, then renamed over
 * the old one, so that a process killed half-way leaves the old file, and a process that maps the
 * old file keeps reading it. `fill` adds every feature to the builder and says what they are.
 */
export async function writeIndexFile(
  path: string,
  fill: (builder: IndexFileBuilder) => Promise<IndexFileOrigin> | IndexFileOrigin,
): Promise<IndexFileHeader> {
  let header: IndexFileHeader | undefined;
  await writeFileAtomically(path, async (fd: number) => {
    const builder = new IndexFileBuilder(fd, `${path}.tmp-${process.pid}-offsets`);
    let origin: IndexFileOrigin;
    try {
      origin = await fill(builder);
    } catch (error) {
      builder.discardScratch();
      throw error;
    }
    header = builder.finish(origin);
  });
  return header!;
}
