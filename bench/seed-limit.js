// The limit for bench/seed-formats.js, run as its own process: native JSON.parse of a
// route_guide_db.json-shaped file, then a bare better-sqlite3 insert of its rows in one transaction
// into a table without constraints, with the pragmas every storage connection sets
// (src/storage/sqlite/connection.ts). A file too long for one JS string (V8 caps strings near 512 MiB)
// is parsed in pieces of whole lines, as JSON.parse of each piece wrapped in brackets; the bench's
// files hold one entry a line. Prints JSON: { rows, readSeconds, parseSeconds, insertSeconds, pieces }.
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import Database from 'better-sqlite3';

const [file, database] = process.argv.slice(2);
const PIECE_BYTES = 256 * 1024 * 1024;

/** The file's entries, parsed by JSON.parse; timed apart: reading the bytes, and parsing them. */
function parseFile() {
  const fd = openSync(file, 'r');
  const size = fstatSync(fd).size;
  let readSeconds = 0;
  let parseSeconds = 0;
  let pieces = 0;
  const rows = [];
  let carry = Buffer.alloc(0);
  let position = 0;
  while (position < size || carry.length > 0) {
    let started = performance.now();
    const buffer = Buffer.allocUnsafe(Math.min(PIECE_BYTES, size - position));
    const read = buffer.length === 0 ? 0 : readSync(fd, buffer, 0, buffer.length, position);
    position += read;
    let bytes = carry.length === 0 ? buffer : Buffer.concat([carry, buffer]);
    const end = position >= size ? bytes.length : bytes.lastIndexOf(0x0a) + 1;
    carry = bytes.subarray(end);
    const text = bytes.toString('utf8', 0, end);
    bytes = undefined;
    readSeconds += (performance.now() - started) / 1000;
    started = performance.now();
    if (pieces === 0 && position >= size) {
      for (const entry of JSON.parse(text)) rows.push(entry);
    } else {
      // Lines of `{...},` between the file's `[` and `]`.
      const body = text.trim().replace(/^\[/, '').replace(/\]$/, '').trim().replace(/,$/, '');
      if (body !== '') for (const entry of JSON.parse(`[${body}]`)) rows.push(entry);
    }
    parseSeconds += (performance.now() - started) / 1000;
    pieces++;
    if (position >= size) break;
  }
  closeSync(fd);
  return { rows, readSeconds, parseSeconds, pieces };
}

const { rows, readSeconds, parseSeconds, pieces } = parseFile();
const db = new Database(database);
db.pragma('busy_timeout = 5000');
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec('CREATE TABLE features (latitude INTEGER, longitude INTEGER, name TEXT)');
const insert = db.prepare('INSERT INTO features (latitude, longitude, name) VALUES (?, ?, ?)');
const started = performance.now();
db.exec('BEGIN');
for (const row of rows) insert.run(row.location.latitude, row.location.longitude, row.name ?? '');
db.exec('COMMIT');
const insertSeconds = (performance.now() - started) / 1000;
db.close();
process.stdout.write(JSON.stringify({ rows: rows.length, readSeconds, parseSeconds, insertSeconds, pieces }) + '\n');
