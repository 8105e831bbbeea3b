import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { describe, expect, it } from 'vitest';
import { byteArrayLeafChunk, chunkRange, readByteColumn } from '../../src/feature-files/parquet-byte-column.js';

const fixture = (name: string): ArrayBuffer => {
  const bytes = readFileSync(fileURLToPath(new URL(`../fixtures/parquet/${name}`, import.meta.url)));
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
};

const decoder = new TextDecoder();

/** Every row group's `column` (dotted for a struct's field) read by readByteColumn, as text (null for null). */
function readColumn(file: ArrayBuffer, column: string): (string | null)[] {
  const metadata = parquetMetadata(file, { geoparquet: false });
  return metadata.row_groups.flatMap((group) => {
    const leaf = byteArrayLeafChunk(metadata, group, column.split('.'));
    if (leaf === undefined) throw new Error(`${column} is not a byte-array leaf`);
    const [start, end] = chunkRange(leaf.chunk);
    const values = readByteColumn(new Uint8Array(file.slice(start, end)), Number(group.num_rows), leaf.chunk.meta_data!.codec, compressors, leaf.maxDefinitionLevel);
    return Array.from({ length: Number(group.num_rows) }, (_, row) => {
      const bytes = values(row);
      return bytes === null ? null : decoder.decode(bytes);
    });
  });
}

describe('readByteColumn', () => {
  it.each([
    ['places.parquet', 'name'],
    ['places-gzip.parquet', 'name'],
    ['dictionary-names.parquet', 'name'],
    ['row-groups.parquet', 'name'],
  ])('reads %s column %s as hyparquet does, nulls included', async (name, column) => {
    const file = fixture(name);
    const expected = (await parquetReadObjects({ file, columns: [column], compressors })).map((row) => row[column] as string | null);
    expect(readColumn(file, column)).toEqual(expected);
  });

  it("reads a struct's field (Overture's names.primary) alone, null where the struct or the field is null", async () => {
    const file = fixture('overture-places.parquet');
    const expected = (await parquetReadObjects({ file, columns: ['names'], compressors })).map((row) => (row['names'] as { primary?: string } | null)?.primary ?? null);
    expect(expected).toContain(null);
    expect(readColumn(file, 'names.primary')).toEqual(expected);
  });

  it('reads the same WKB bytes as hyparquet, from DuckDB v1 pages', async () => {
    const file = fixture('wkb-byte-orders.parquet');
    const expected = await parquetReadObjects({ file, columns: ['geometry'], geoparquet: false, utf8: false, compressors });
    const metadata = parquetMetadata(file, { geoparquet: false });
    const group = metadata.row_groups[0]!;
    const leaf = byteArrayLeafChunk(metadata, group, ['geometry'])!;
    const [start, end] = chunkRange(leaf.chunk);
    const values = readByteColumn(new Uint8Array(file.slice(start, end)), 4, leaf.chunk.meta_data!.codec, compressors, leaf.maxDefinitionLevel);
    expect([0, 1, 2, 3].map((row) => Array.from(values(row)!))).toEqual(expected.map((row) => Array.from(row['geometry'] as Uint8Array)));
  });

  it('leaves structs, fields inside lists or maps, and non-byte-array columns to hyparquet', () => {
    const overture = parquetMetadata(fixture('overture-places.parquet'), { geoparquet: false });
    const group = overture.row_groups[0]!;
    expect(byteArrayLeafChunk(overture, group, ['names'])).toBeUndefined();
    expect(byteArrayLeafChunk(overture, group, ['names', 'rules', 'list', 'element', 'value'])).toBeUndefined();
    expect(byteArrayLeafChunk(overture, group, ['names', 'primary'])?.maxDefinitionLevel).toBe(2);
    const plain = parquetMetadata(fixture('lat-lon.parquet'), { geoparquet: false });
    expect(byteArrayLeafChunk(plain, plain.row_groups[0]!, ['lat'])).toBeUndefined();
  });

  it('throws on a chunk that holds fewer rows than its row group says', () => {
    const file = fixture('places.parquet');
    const metadata = parquetMetadata(file, { geoparquet: false });
    const leaf = byteArrayLeafChunk(metadata, metadata.row_groups[0]!, ['name'])!;
    const [start, end] = chunkRange(leaf.chunk);
    expect(() => readByteColumn(new Uint8Array(file.slice(start, end)), 11, leaf.chunk.meta_data!.codec, compressors, leaf.maxDefinitionLevel)).toThrow(/holds 10 rows, its row group 11/);
  });
});
