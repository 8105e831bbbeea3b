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
