/**
 * Degrees to E7 (degrees x 10^7, the protocol's integer unit), rounded half away from zero so that
 * a point and its mirror image round alike. Undefined if the value is not a finite number within
 * [-limit, limit] degrees.
 */
export function degreesToE7(value: unknown, limitDegrees: number): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > limitDegrees) return undefined;
  const e7 = Math.round(Math.abs(value) * 1e7);
  return e7 === 0 ? 0 : Math.sign(value) * e7;
}

/** A decimal number as text (`-74.0059`, `1e-3`), or NaN; stricter than Number(), which accepts '' and '0x1'. */
export function parseDecimal(text: string): number {
  const trimmed = text.trim();
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}
