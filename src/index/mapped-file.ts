import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';

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

/** The part of @raygun-nickj/mmap-io used here. */
interface MmapModule {
  map(size: number, protection: number, flags: number, fd: number, offset: number, advise: number): Buffer;
  readonly PROT_READ: number;
  readonly MAP_SHARED: number;
  readonly MADV_RANDOM: number;
  readonly PAGESIZE: number;
}

/**
 * mmap-io 1.4.0 hands size and offset to C as 32-bit ints: a length or an offset of 2 GiB or more
 * fails, and an offset of 4 GiB or more wraps round to the wrong place in the file. Nothing at or
 * past this limit is ever given to it.
 */
const MMAP_IO_LIMIT = 2 ** 31 - 1;

let loaded: { readonly module: MmapModule } | { readonly reason: string } | undefined;

/** The native module, loaded once; a module that fails to load is reported, never thrown. */
function mmapModule(): { readonly module: MmapModule } | { readonly reason: string } {
  if (loaded !== undefined) return loaded;
  if (process.platform !== 'linux') {
    loaded = { reason: `the index file is mapped on Linux only, so on ${process.platform} it is read into memory` };
  } else {
    try {
      loaded = { module: createRequire(import.meta.url)('@raygun-nickj/mmap-io') as MmapModule };
    } catch (error) {
      const detail = (error instanceof Error ? error.message : String(error)).split('\n')[0];
      loaded = { reason: `@raygun-nickj/mmap-io did not load (${detail}), so the index file is read into memory` };
    }
  }
  return loaded;
}

function checkSection(path: string, section: FileSection, i: number): void {
  const { offset, length } = section;
  if (!Number.isSafeInteger(offset) || offset < 0 || offset % SECTION_ALIGNMENT !== 0) {
    throw new Error(`${path}: section ${i}'s offset ${offset} is not a multiple of ${SECTION_ALIGNMENT}`);
  }
  if (!Number.isSafeInteger(length) || length < 0 || length > MAX_SECTION_LENGTH) {
    throw new Error(`${path}: section ${i}'s length ${length} is not between 0 and ${MAX_SECTION_LENGTH}`);
  }
}

/** Why these sections cannot be mapped here, or undefined when they can. */
function reasonNotToMap(sections: readonly FileSection[], module: MmapModule): string | undefined {
  if (sections.some(({ offset }) => offset % module.PAGESIZE !== 0)) {
    return `this system's pages are ${module.PAGESIZE} bytes, so the index file's sections (aligned to ${SECTION_ALIGNMENT}) are read into memory`;
  }
  if (sections.some(({ offset, length }) => offset > MMAP_IO_LIMIT || length > MMAP_IO_LIMIT)) {
    return '@raygun-nickj/mmap-io maps nothing at or past 2 GiB, so the index file is read into memory';
  }
  return undefined;
}

/** The module to map these sections with, or why they are read instead. */
function moduleToMapWith(sections: readonly FileSection[], options: MapOptions): MmapModule | string {
  if (options.forceRead === true) return 'reading the index file into memory was asked for';
  const loadedModule = mmapModule();
  if ('reason' in loadedModule) return loadedModule.reason;
  return reasonNotToMap(sections, loadedModule.module) ?? loadedModule.module;
}

function mapSection(module: MmapModule, fd: number, { offset, length }: FileSection): Buffer {
  // mmap(2) refuses a length of 0.
  if (length === 0) return Buffer.allocUnsafeSlow(0);
  const buffer = module.map(length, module.PROT_READ, module.MAP_SHARED, fd, offset, module.MADV_RANDOM);
  // A mapping starts on a page, so typed arrays of 8-byte elements (Flatbush.from) can view it.
  if (buffer.length !== length || buffer.byteOffset % 8 !== 0) {
    throw new Error(`mmap returned ${buffer.length} bytes at byte offset ${buffer.byteOffset} for ${length}`);
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
 * Maps sections of a file read-only (on Linux, through @raygun-nickj/mmap-io: shared, with random
 * access advised), or, where that cannot be done, reads them into memory. The file's descriptor is
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
    const module = moduleToMapWith(sections, options);
    let reason: string;
    if (typeof module === 'string') {
      reason = module;
    } else {
      try {
        return { buffers: sections.map((section) => mapSection(module, fd, section)), mapped: true };
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
