import { Buffer, isUtf8 } from 'node:buffer';
import { ColumnType } from 'flatgeobuf/lib/mjs/flat-geobuf/column-type.js';

/** The bytes of a value of each column type, by type; -1 for a uint32 length and that many bytes; 0 for a type the spec lacks. */
const VALUE_BYTES = new Int8Array(32);
for (const [type, bytes] of [
  [ColumnType.Byte, 1], [ColumnType.UByte, 1], [ColumnType.Bool, 1], [ColumnType.Short, 2], [ColumnType.UShort, 2],
  [ColumnType.Int, 4], [ColumnType.UInt, 4], [ColumnType.Long, 8], [ColumnType.ULong, 8], [ColumnType.Float, 4],
  [ColumnType.Double, 8], [ColumnType.String, -1], [ColumnType.Json, -1], [ColumnType.DateTime, -1], [ColumnType.Binary, -1],
] as const) {
  VALUE_BYTES[type] = bytes;
}

/** Malformed property bytes: structural damage, which the reader reports naming the feature. */
export class PropertiesError extends Error {}
/** A name that is not valid UTF-8: a bad record, which --skip-invalid may skip. */
export class NameNotUtf8Error extends Error {}

const uint32At = (bytes: Uint8Array, at: number): number => (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;

/**
 * The String value of column `column` in a feature's property bytes (pairs of a uint16 column index
 * and a value, as the spec lays them out and the package's parseProperties reads them), or
 * undefined when the feature leaves it out (a null). Only that value is decoded; the others are
 * stepped over by their size. A value running past the end is a PropertiesError; invalid UTF-8, a
 * NameNotUtf8Error.
 */
export function stringProperty(bytes: Uint8Array, types: readonly ColumnType[], column: number): string | undefined {
  const end = bytes.length;
  let offset = 0;
  while (offset < end) {
    if (offset + 2 > end) throw new PropertiesError('the properties end inside a column index');
    const index = bytes[offset]! | (bytes[offset + 1]! << 8);
    offset += 2;
    const type = types[index];
    if (type === undefined) throw new PropertiesError(`the properties name column ${index}, but the header has ${types.length}`);
    const size = VALUE_BYTES[type] ?? 0;
    if (size > 0) {
      offset += size;
      continue;
    }
    if (size === 0) throw new PropertiesError(`column ${index} has the unknown type ${type}`);
    if (offset + 4 > end) throw new PropertiesError(`the properties end inside column ${index}'s length`);
    const length = uint32At(bytes, offset);
    offset += 4;
    if (offset + length > end) throw new PropertiesError(`column ${index}'s value runs past the end of the feature`);
    if (index === column) return decodeUtf8(bytes, offset, length);
    offset += length;
  }
  if (offset > end) throw new PropertiesError('the last property runs past the end of the feature');
  return undefined;
}

/** UTF-8 to a string, refusing invalid bytes rather than replacing them: a name is kept byte for byte or not at all. */
function decodeUtf8(bytes: Uint8Array, offset: number, length: number): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + offset, length);
  if (!isUtf8(text)) throw new NameNotUtf8Error('not valid UTF-8');
  return text.toString('utf8');
}
