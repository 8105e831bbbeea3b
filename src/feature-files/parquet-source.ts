import { closeSync, fstatSync, openSync, read } from 'node:fs';
import type { AsyncBuffer } from 'hyparquet';
import { FeatureFileError } from './feature-file.js';

/** A Parquet file open for reading byte ranges, as hyparquet asks for them; nothing more is held in memory. */
export interface ParquetSource {
  readonly buffer: AsyncBuffer;
  close(): void;
}

/**
 * Opens `file` now (a missing file fails here, with a FeatureFileError) and reads the ranges hyparquet
 * asks for from its descriptor: the footer, then each row group's column chunks as they are wanted.
 */
export function openParquetSource(file: string): ParquetSource {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw new FeatureFileError(`${file}: cannot read: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const byteLength = fstatSync(fd).size;
  let open = true;
  const readRange = (start: number, end: number): Promise<ArrayBuffer> => {
    const length = end - start;
    const bytes = new Uint8Array(length);
    return new Promise((resolve, reject) => {
      const readFrom = (filled: number): void => {
        if (filled === length) {
          resolve(bytes.buffer);
          return;
        }
        if (!open) return reject(new Error('the file was closed'));
        read(fd, bytes, filled, length - filled, start + filled, (error, count) => {
          if (error) reject(error);
          else if (count === 0) reject(new Error(`the file ended at byte ${start + filled}, before byte ${end}`));
          else readFrom(filled + count);
        });
      };
      readFrom(0);
    });
  };
  return {
    buffer: { byteLength, slice: (start, end = byteLength) => readRange(start, end) },
    close: () => {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}
