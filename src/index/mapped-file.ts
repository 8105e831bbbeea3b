import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { nativeMapper, type NativeMapper } from './native-mapper.js';

/** A part of a file: `offset` a multiple of 4096, `length` at most 4 GiB - 1 (a Buffer's limit). */
export interface FileSection {
  readonly offset: number;
  readonly length: number;
}

/**
 * One Buffer for each section asked for, in order. `mapped` says whether they are mappings of the
 * file (shared with every process that maps it) or copies read into this process's memory; when
 * copies, `reason` is one sentence for the log saying why.
 */
export interface MappedSections {
  readonly buffers: readonly Buffer[];
  readonly mapped: boolean;
  readonly reason?: string;
}

export interface MapOptions {
  /** Reads the sections into memory even where they could be mapped (tests compare the two paths). */
  readonly forceRead?: boolean;
}

/** The sections' alignment in the file: a page, so that each can be mapped on its own. */
export const SECTION_ALIGNMENT = 4096;
const MAX_SECTION_LENGTH = 2 ** 32 - 1;
/** Bytes asked of one read(2) on the reading path (Linux returns at most about 2 GiB a call). */
const READ_CHUNK = 64 * 2 ** 20;

function checkSection(path: string, section: FileSection, i: number): void {
  const { offset, length } = section;
  if (!Number.isSafeInteger(offset) || offset < 0 || offset % SECTION_ALIGNMENT !== 0) {
    throw new Error(`${path}: section ${i}'s offset ${offset} is not a multiple of ${SECTION_ALIGNMENT}`);
  }
  if (!Number.isSafeInteger(length) || length < 0 || length > MAX_SECTION_LENGTH) {
    throw new Error(`${path}: section ${i}'s length ${length} is not between 0 and ${MAX_SECTION_LENGTH}`);
  }
}

/** The mapper to map these sections with, or why they are read instead. */
function mapperFor(sections: readonly FileSection[], options: MapOptions): NativeMapper | string {
  if (options.forceRead === true) return 'reading the index file into memory was asked for';
  const mapper = nativeMapper();
  if (typeof mapper === 'string') return mapper;
  if (sections.some(({ offset }) => offset % mapper.pageSize !== 0)) {
    return `this system's pages are ${mapper.pageSize} bytes, so the index file's sections (aligned to ${SECTION_ALIGNMENT}) are read into memory`;
  }
  if (sections.some(({ offset, length }) => offset > mapper.maxOffset || length > mapper.maxLength)) {
    return `${mapper.name} maps no section past ${mapper.maxOffset} or longer than ${mapper.maxLength} bytes, so the index file is read into memory`;
  }
  return mapper;
}

function mapSection(mapper: NativeMapper, fd: number, { offset, length }: FileSection): Buffer {
  // mmap(2) refuses a length of 0.
  if (length === 0) return Buffer.allocUnsafeSlow(0);
  const buffer = mapper.map(fd, offset, length);
  // A mapping starts on a page, so typed arrays of 8-byte elements (Flatbush.from) can view it.
  if (buffer.length !== length || buffer.byteOffset % 8 !== 0) {
    throw new Error(`${mapper.name} returned ${buffer.length} bytes at byte offset ${buffer.byteOffset} for ${length}`);
  }
  return buffer;
}

function readSection(path: string, fd: number, { offset, length }: FileSection): Buffer {
  const buffer = Buffer.allocUnsafeSlow(length);
  for (let done = 0; done < length; ) {
    const read = readSync(fd, buffer, done, Math.min(READ_CHUNK, length - done), offset + done);
    if (read === 0) throw new Error(`${path}: ended at byte ${offset + done} while reading a section that ends at ${offset + length}`);
    done += read;
  }
  return buffer;
}

function openForReading(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new Error(`${path}: cannot open the file for reading (${code})`);
  }
}

/**
 * Maps sections of a file read-only (on Linux, through a native module: shared, with random access
 * advised), or, where that cannot be done, reads them into memory. The file's descriptor is
 * closed before this returns; a mapping lasts until its Buffer is collected.
 *
 * The file must never be written in place while mapped (a process reading a page that was cut off
 * dies of SIGBUS): replace it whole, by rename (see common/replace-file.ts).
 *
 * Throws an Error naming the path when the file cannot be opened or is shorter than a section.
 */
export function mapSections(path: string, sections: readonly FileSection[], options: MapOptions = {}): MappedSections {
  sections.forEach((section, i) => checkSection(path, section, i));
  const fd = openForReading(path);
  try {
    const { size } = fstatSync(fd);
    sections.forEach(({ offset, length }, i) => {
      if (offset + length > size) {
        throw new Error(`${path}: the file is ${size} bytes, too short for section ${i} (bytes ${offset} to ${offset + length})`);
      }
    });
    const mapper = mapperFor(sections, options);
    let reason: string;
    if (typeof mapper === 'string') {
      reason = mapper;
    } else {
      try {
        return { buffers: sections.map((section) => mapSection(mapper, fd, section)), mapped: true };
      } catch (error) {
        // Some file systems cannot be mapped; the sections mapped so far are unmapped when collected.
        reason = `mapping the index file failed (${error instanceof Error ? error.message : String(error)}), so it is read into memory`;
      }
    }
    return { buffers: sections.map((section) => readSection(path, fd, section)), mapped: false, reason };
  } finally {
    closeSync(fd);
  }
}
