import type { Writable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { FeatureRecord, InsertSummary } from '../storage.js';
import { takePosition } from './feed-positions.js';

/** work_mem for the import's sort of the staged rows (PostgreSQL's default, 4MB, sorts on disk). */
const SORT_MEMORY = '256MB';

/** Bytes of COPY text gathered before one write to the stream. */
const CHUNK_BYTES = 256 * 1024;

/** A field of COPY's text format: backslash, tab and line breaks escaped. */
function copyText(text: string): string {
  return /[\\\t\n\r]/.test(text)
    ? text.replace(/[\\\t\n\r]/g, (character) => (character === '\\' ? '\\\\' : character === '\t' ? '\\t' : character === '\n' ? '\\n' : '\\r'))
    : text;
}

/** One row of `features (latitude, longitude, name)` in COPY's text format. */
export function copyLine(feature: FeatureRecord): string {
  return `${feature.latitude}\t${feature.longitude}\t${copyText(feature.name)}\n`;
}

function write(stream: Writable, chunk: string): Promise<void> {
  if (stream.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (error?: Error): void => {
      stream.off('drain', done);
      stream.off('error', done);
      if (error) reject(error);
      else resolve();
    };
    stream.once('drain', done);
    stream.once('error', done);
  });
}

function finish(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('finish', resolve);
    stream.once('error', reject);
    stream.end();
  });
}

/**
 * Streams `lines(feature)` for each feature into `copySql` (a `COPY ... FROM STDIN`) on `client`,
 * with backpressure; returns how many features it read. If the input throws, the COPY is cancelled
 * (CopyFail) and the input's error propagates.
 */
export async function copyFeatures(
  client: pg.PoolClient | pg.Client,
  copySql: string,
  input: Iterable<FeatureRecord> | AsyncIterable<FeatureRecord>,
  line: (feature: FeatureRecord, index: number) => string,
): Promise<number> {
  const stream = client.query(copyFrom(copySql));
  // Errors arrive as 'error' events; a listener now keeps one from going unhandled between writes.
  let streamError: Error | undefined;
  stream.on('error', (error) => (streamError ??= error));
  let count = 0;
  let chunk = '';
  try {
    for await (const feature of input) {
      chunk += line(feature, count++);
      if (chunk.length >= CHUNK_BYTES) {
        if (streamError) throw streamError;
        await write(stream, chunk);
        chunk = '';
      }
    }
    if (chunk !== '') await write(stream, chunk);
    await finish(stream);
    return count;
  } catch (error) {
    if (!stream.destroyed) {
      // CopyFail: the server ends the COPY with an error, which this stream then reports; wait for it
      // so that the connection is ready for the ROLLBACK.
      await new Promise<void>((resolve) => {
        stream.once('close', resolve);
        stream.destroy(error instanceof Error ? error : new Error(String(error)));
      });
    }
    throw error;
  }
}

/**
 * One import, all or nothing, in one transaction on `client`:
 * 1. COPY the input into a temporary staging table, numbering the rows as they come (streamed:
 *    one chunk of the input is in memory at a time);
 * 2. lock `features` against other writers (SHARE ROW EXCLUSIVE: readers go on reading, and notes
 *    live in another table), so that imports move their rows one at a time;
 * 3. one `INSERT ... SELECT DISTINCT ON (point) ... ORDER BY point, row` of the points not stored yet:
 *    the first of several features at a point in the input wins, a point already stored keeps its
 *    feature, and the rows go into the primary key in its own order;
 * 4. record the import (inserted, duplicates) with the next position of the imports feed, and commit.
 * Under the lock, no other transaction can add a point between the check and the insert, so the
 * statement needs no ON CONFLICT clause, whose speculative insertion made the move 1.8x slower
 * (see docs/performance.md).
 */
export async function importFeatures(
  client: pg.PoolClient,
  input: Iterable<FeatureRecord> | AsyncIterable<FeatureRecord>,
): Promise<InsertSummary> {
  await client.query('BEGIN');
  try {
    // Room to sort the staged rows in memory, for this transaction only.
    await client.query(`SET LOCAL work_mem = '${SORT_MEMORY}'`);
    await client.query(
      `CREATE TEMP TABLE staged_features (ordinal bigint NOT NULL, latitude integer NOT NULL, longitude integer NOT NULL, name text NOT NULL)
       ON COMMIT DROP`,
    );
    const importId = Number((await client.query<{ id: string }>("SELECT nextval('imports_id_seq') AS id")).rows[0]!.id);
    const staged = await copyFeatures(
      client,
      'COPY staged_features (ordinal, latitude, longitude, name) FROM STDIN',
      input,
      (feature, index) => `${index}\t${copyLine(feature)}`,
    );
    await client.query('LOCK TABLE features IN SHARE ROW EXCLUSIVE MODE');
    const { rowCount } = await client.query(
      `INSERT INTO features (latitude, longitude, name, import_id)
       SELECT latitude, longitude, name, $1 FROM (
         SELECT DISTINCT ON (latitude, longitude) latitude, longitude, name FROM staged_features
         ORDER BY latitude, longitude, ordinal
       ) AS first_at_point
       WHERE NOT EXISTS (
         SELECT FROM features AS stored WHERE stored.latitude = first_at_point.latitude AND stored.longitude = first_at_point.longitude
       )`,
      [importId],
    );
    const inserted = rowCount ?? 0;
    const position = await takePosition(client, 'imports');
    await client.query('INSERT INTO imports (id, position, inserted, duplicates) VALUES ($1, $2, $3, $4)', [
      importId,
      position,
      inserted,
      staged - inserted,
    ]);
    await client.query('COMMIT');
    return { inserted, duplicates: staged - inserted };
  } catch (error) {
    // If the connection broke, the ROLLBACK fails too; the caller drops the connection either way.
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
