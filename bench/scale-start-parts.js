// Two costs that a server's start pays in proportion to N, timed on their own in the bench's own
// process (warm page cache) so that the start-up figure can be taken apart: SQLite's
// `PRAGMA quick_check` of the whole database (run by every open today) and one CRC-32 pass over the
// whole index file (the checksums verified by a lone server or a cluster's primary).
import { closeSync, openSync, readSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import Database from 'better-sqlite3';

const PIECE_BYTES = 1 << 24;

export function startPathParts(database, indexFile) {
  const db = new Database(database, { readonly: true });
  let started = performance.now();
  try {
    db.pragma('quick_check');
  } finally {
    db.close();
  }
  const quickCheckSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const fd = openSync(indexFile, 'r');
  try {
    const piece = Buffer.allocUnsafe(PIECE_BYTES);
    let crc = 0;
    for (let position = 0, read; (read = readSync(fd, piece, 0, PIECE_BYTES, position)) > 0; position += read) crc = crc32(piece.subarray(0, read), crc);
  } finally {
    closeSync(fd);
  }
  return { quickCheckSeconds, indexFileCrcSeconds: (performance.now() - started) / 1000 };
}
