import { createRequire } from 'node:module';

/** What mapping needs of a native module: one part of a file, mapped read-only and shared, random access advised. */
export interface NativeMapper {
  readonly name: string;
  /** The system's page size: a mapping's offset must be a multiple of it. */
  readonly pageSize: number;
  /** The largest offset that it maps correctly. */
  readonly maxOffset: number;
  /** The largest length that it maps correctly. */
  readonly maxLength: number;
  /** Maps `length` (more than 0) bytes of the file open as `fd`, from `offset`. */
  map(fd: number, offset: number, length: number): Buffer;
}

/** routeguide's own addon (native/mapped-file), built by node-gyp at install: offsets and lengths are 64-bit. */
interface OwnAddon {
  map(fd: number, offset: number, length: number): ArrayBuffer;
  readonly pageSize: number;
}

/** The part of @raygun-nickj/mmap-io used here. */
interface MmapIo {
  map(size: number, protection: number, flags: number, fd: number, offset: number, advise: number): Buffer;
  readonly PROT_READ: number;
  readonly MAP_SHARED: number;
  readonly MADV_RANDOM: number;
  readonly PAGESIZE: number;
}

const OWN_ADDON = '../../native/mapped-file/build/Release/mapped_file.node';
/** A Buffer's own limit, which bounds a section: 4 GiB - 1. */
const BUFFER_LIMIT = 2 ** 32 - 1;
/**
 * mmap-io 1.4.0 hands size and offset to C as 32-bit ints: a length or an offset of 2 GiB or more
 * fails, and an offset of 4 GiB or more wraps round to the wrong place in the file.
 */
const MMAP_IO_LIMIT = 2 ** 31 - 1;

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}

function loadOwnAddon(load: NodeJS.Require): NativeMapper {
  const addon = load(OWN_ADDON) as OwnAddon;
  return {
    name: 'native/mapped-file',
    pageSize: addon.pageSize,
    maxOffset: Number.MAX_SAFE_INTEGER,
    maxLength: BUFFER_LIMIT,
    map: (fd, offset, length) => Buffer.from(addon.map(fd, offset, length)),
  };
}

function loadMmapIo(load: NodeJS.Require): NativeMapper {
  const mmap = load('@raygun-nickj/mmap-io') as MmapIo;
  return {
    name: '@raygun-nickj/mmap-io',
    pageSize: mmap.PAGESIZE,
    maxOffset: MMAP_IO_LIMIT,
    maxLength: MMAP_IO_LIMIT,
    map: (fd, offset, length) => mmap.map(length, mmap.PROT_READ, mmap.MAP_SHARED, fd, offset, mmap.MADV_RANDOM),
  };
}

let loaded: NativeMapper | string | undefined;

/**
 * The first native mapper that loads (the project's own addon, then mmap-io), once per process; or,
 * when none does, why, in words for the log. A module that fails to load is reported, never thrown.
 */
export function nativeMapper(): NativeMapper | string {
  if (loaded !== undefined) return loaded;
  if (process.platform !== 'linux') {
    loaded = `the index file is mapped on Linux only, so on ${process.platform} it is read into memory`;
    return loaded;
  }
  const load = createRequire(import.meta.url);
  const failures: string[] = [];
  for (const loader of [loadOwnAddon, loadMmapIo]) {
    try {
      loaded = loader(load);
      return loaded;
    } catch (error) {
      failures.push(firstLine(error));
    }
  }
  loaded = `no module to map files with loaded (${failures.join('; ')}), so the index file is read into memory`;
  return loaded;
}
