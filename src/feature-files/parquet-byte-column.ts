/**
 * A BYTE_ARRAY column chunk (WKB geometry, a name, a struct's text field), decoded without one JavaScript object a
 * value: its pages are decompressed, and each row keeps only where its bytes are (page, start, end).
 * hyparquet decodes a chunk into one Uint8Array or string a row, about 300-500 bytes a row at peak;
 * this costs the decompressed pages and 12 bytes a row. Anything else goes through hyparquet.
 */
import { parquetSchema, type ColumnChunk, type CompressionCodec, type FileMetaData, type RowGroup, type SchemaTree } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { decompressPage } from 'hyparquet/src/datapage.js';
import { readRleBitPackedHybrid } from 'hyparquet/src/encoding.js';
import type { Compressors } from 'hyparquet-compressors';

/** The encodings read here (RLE and BIT_PACKED are the definition levels'); a chunk with another goes through hyparquet. */
const ENCODINGS = new Set(['PLAIN', 'RLE', 'BIT_PACKED', 'PLAIN_DICTIONARY', 'RLE_DICTIONARY']);

/**
 * Where the chunk of the BYTE_ARRAY leaf at `path` (a top-level column, or a field of struct columns)
 * is in `group`, and its maximum definition level, when this reader can read it: no list or map on the
 * way, and only the encodings above.
 */
export function byteArrayLeafChunk(metadata: FileMetaData, group: RowGroup, path: readonly string[]): { chunk: ColumnChunk; maxDefinitionLevel: number } | undefined {
  let node: SchemaTree | undefined = parquetSchema(metadata);
  let maxDefinitionLevel = 0;
  for (const name of path) {
    node = node.children.find((child) => child.element.name === name);
    if (node === undefined || node.element.repetition_type === 'REPEATED') return undefined;
    if (node.element.repetition_type !== 'REQUIRED') maxDefinitionLevel++;
  }
  if (node === undefined || node.children.length > 0 || node.element.type !== 'BYTE_ARRAY') return undefined;
  const chunk = group.columns.find(({ meta_data }) => meta_data?.path_in_schema.join('\0') === path.join('\0'));
  if (!chunk?.meta_data || !chunk.meta_data.encodings.every((encoding) => ENCODINGS.has(encoding))) return undefined;
  return { chunk, maxDefinitionLevel };
}

/** The byte range of a column chunk in the file. */
export function chunkRange({ meta_data }: ColumnChunk): [number, number] {
  const start = Number(meta_data!.dictionary_page_offset ?? meta_data!.data_page_offset);
  return [start, start + Number(meta_data!.total_compressed_size)];
}

/** A column chunk's values by row: a view of each row's bytes, or null. */
export type ByteValues = (row: number) => Uint8Array | null;

/** Where the `count` PLAIN byte arrays from `at` in `bytes` are: fills starts/ends from `into`. */
function plainByteArrays(bytes: Uint8Array, at: number, count: number, starts: Int32Array, ends: Int32Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) {
    const length = view.getUint32(at, true);
    starts[i] = at + 4;
    ends[i] = at + 4 + length;
    at += 4 + length;
    if (at > bytes.length) throw new Error('a byte array runs past the end of its page');
  }
}

/**
 * Decodes the column chunk `bytes` (all of it, as the file holds it) of `rows` rows. Throws on a
 * page it cannot read; the caller reports it as a damaged file.
 */
export function readByteColumn(bytes: Uint8Array, rows: number, codec: CompressionCodec, compressors: Compressors, maxDefinitionLevel: number): ByteValues {
  const levelWidth = 32 - Math.clz32(maxDefinitionLevel);
  const pages: Uint8Array[] = [];
  const rowPage = new Int32Array(rows).fill(-1);
  const rowStart = new Int32Array(rows);
  const rowEnd = new Int32Array(rows);
  let dictionary: { page: number; starts: Int32Array; ends: Int32Array } | undefined;
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  let row = 0;
  while (row < rows && reader.offset < bytes.length) {
    const header = parquetHeader(reader);
    const compressed = bytes.subarray(reader.offset, reader.offset + header.compressed_page_size);
    reader.offset += header.compressed_page_size;
    const { dictionary_page_header: dictionaryHeader, data_page_header: v1, data_page_header_v2: v2 } = header;
    if (header.type === 'DICTIONARY_PAGE' && dictionaryHeader) {
      const page = decompressPage(compressed, header.uncompressed_page_size, codec, compressors);
      const starts = new Int32Array(dictionaryHeader.num_values);
      const ends = new Int32Array(dictionaryHeader.num_values);
      plainByteArrays(page, 0, dictionaryHeader.num_values, starts, ends);
      dictionary = { page: pages.push(page) - 1, starts, ends };
      continue;
    }
    if ((header.type !== 'DATA_PAGE' || !v1) && (header.type !== 'DATA_PAGE_V2' || !v2)) continue; // an index page
    const count = (v1 ?? v2)!.num_values;
    // Levels and values: a v1 page compresses them together; a v2 page keeps the levels uncompressed in front.
    let page: Uint8Array;
    let at = 0;
    // A row's value is there when its definition level is the maximum (every struct on the way, and it, not null).
    const defined = new Uint8Array(count).fill(maxDefinitionLevel);
    if (v1) {
      page = decompressPage(compressed, header.uncompressed_page_size, codec, compressors);
      if (maxDefinitionLevel > 0) {
        const levels = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
        readRleBitPackedHybrid(levels, levelWidth, defined);
        at = levels.offset;
      }
    } else {
      const levelBytes = v2!.repetition_levels_byte_length + v2!.definition_levels_byte_length;
      if (maxDefinitionLevel > 0 && v2!.definition_levels_byte_length > 0) {
        const levels = { view: new DataView(compressed.buffer, compressed.byteOffset, compressed.byteLength), offset: v2!.repetition_levels_byte_length };
        readRleBitPackedHybrid(levels, levelWidth, defined, v2!.definition_levels_byte_length);
      }
      const values = compressed.subarray(levelBytes);
      const size = header.uncompressed_page_size - levelBytes;
      page = v2!.is_compressed === false || size === 0 ? values : decompressPage(values, size, codec, compressors);
    }
    const pageIndex = pages.push(page) - 1;
    let present = 0;
    for (let i = 0; i < count; i++) if (defined[i] === maxDefinitionLevel) present++;
    const encoding = (v1 ?? v2)!.encoding;
    const starts = new Int32Array(present);
    const ends = new Int32Array(present);
    let valuesPage = pageIndex;
    if (encoding === 'PLAIN') plainByteArrays(page, at, present, starts, ends);
    else {
      if (dictionary === undefined) throw new Error(`a ${encoding} page without a dictionary page`);
      const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
      const width = view.getUint8(at);
      const indexes = new Int32Array(present);
      if (width > 0) readRleBitPackedHybrid({ view, offset: at + 1 }, width, indexes, page.length - at - 1);
      for (let i = 0; i < present; i++) {
        const index = indexes[i]!;
        if (index >= dictionary.starts.length) throw new Error(`dictionary index ${index} past the dictionary's ${dictionary.starts.length} values`);
        starts[i] = dictionary.starts[index]!;
        ends[i] = dictionary.ends[index]!;
      }
      valuesPage = dictionary.page;
    }
    let value = 0;
    for (let i = 0; i < count && row < rows; i++, row++) {
      if (defined[i] !== maxDefinitionLevel) continue;
      rowPage[row] = valuesPage;
      rowStart[row] = starts[value]!;
      rowEnd[row] = ends[value]!;
      value++;
    }
  }
  if (row < rows) throw new Error(`the column chunk holds ${row} rows, its row group ${rows}`);
  return (at) => {
    const page = rowPage[at]!;
    return page < 0 ? null : pages[page]!.subarray(rowStart[at]!, rowEnd[at]!);
  };
}
