/** The protobuf varint arithmetic both Feature encoders share. */

/** Bytes a non-negative varint takes. */
export function varintSize(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
}

/** protobuf int32: a negative value is sign-extended to 64 bits, so it always takes 10 bytes. */
export function int32Size(value: number): number {
  return value < 0 ? 10 : varintSize(value);
}

/** Writes a non-negative varint at `position`; returns the position after it. */
export function writeVarint(buffer: Buffer, position: number, value: number): number {
  while (value > 0x7f) {
    buffer[position++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  buffer[position++] = value;
  return position;
}

/** Whether the generated encoder would write `value` as an int32 (it throws for anything else). */
export function isInt32(value: number): boolean {
  return (value | 0) === value;
}

/** Writes a protobuf int32 at `position`; a negative one is its 64-bit two's complement, whose last five bytes are fixed. */
export function writeInt32(buffer: Buffer, position: number, value: number): number {
  if (value >= 0) return writeVarint(buffer, position, value);
  const low = value >>> 0;
  buffer[position] = (low & 0x7f) | 0x80;
  buffer[position + 1] = ((low >>> 7) & 0x7f) | 0x80;
  buffer[position + 2] = ((low >>> 14) & 0x7f) | 0x80;
  buffer[position + 3] = ((low >>> 21) & 0x7f) | 0x80;
  buffer[position + 4] = (low >>> 28) | 0xf0;
  buffer[position + 5] = 0xff;
  buffer[position + 6] = 0xff;
  buffer[position + 7] = 0xff;
  buffer[position + 8] = 0xff;
  buffer[position + 9] = 0x01;
  return position + 10;
}
