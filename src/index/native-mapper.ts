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

const OWN_ADDON = '../../native/mapped-file/build/Release/mapped_file.node';
/** A Buffer's own limit, which bounds a section: 4 GiB - 1. */
const BUFFER_LIMIT = 2 ** 32 - 1;
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

let loaded: NativeMapper | string | undefined;

/**
 * The native mapper (the project's own addon, native/mapped-file), loaded once per process; or,
 * when none does, why, in words for the log. A module that fails to load is reported, never thrown.
 */
export function nativeMapper(): NativeMapper | string {
  if (loaded !== undefined) return loaded;
  if (process.platform !== 'linux') {
    loaded = `the index file is mapped on Linux only, so on ${process.platform} it is read into memory`;
    return loaded;
  }
  const load = createRequire(import.meta.url);
  try {
    loaded = loadOwnAddon(load);
  } catch (error) {
    loaded = `the module that maps files (native/mapped-file) did not load (${firstLine(error)}), so the index file is read into memory`;
  }
  return loaded;
}
