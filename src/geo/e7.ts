/**
 * E7, the protocol's unit for coordinates: degrees multiplied by 10^7, as an integer. This file is
 * the one place that converts between degrees and E7, for the importers and the CLI alike.
 */

/** The largest latitude in E7 (90 degrees); the smallest is its negative. Inclusive. */
export const MAX_LATITUDE_E7 = 900_000_000;
/** The largest longitude in E7 (180 degrees); the smallest is its negative. Inclusive. */
export const MAX_LONGITUDE_E7 = 1_800_000_000;

/** The largest latitude in degrees; the smallest is its negative. Inclusive. */
export const MAX_LATITUDE_DEGREES = 90;
/** The largest longitude in degrees; the smallest is its negative. Inclusive. */
export const MAX_LONGITUDE_DEGREES = 180;

const E7_PER_DEGREE = 1e7;

/**
 * Degrees to E7, rounded half away from zero so that a point and its mirror image round alike.
 * Undefined if the value is not a finite number within [-limitDegrees, limitDegrees].
 */
export function degreesToE7(value: unknown, limitDegrees: number): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > limitDegrees) return undefined;
  const e7 = Math.round(Math.abs(value) * E7_PER_DEGREE);
  return e7 === 0 ? 0 : Math.sign(value) * e7;
}

/** A decimal number as text (`-74.0059`, `1e-3`), or NaN; stricter than Number(), which accepts '', '0x1A' and 'Infinity'. */
export function parseDecimal(text: string): number {
  const trimmed = text.trim();
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}

/** Degrees written as decimal text to E7 (see degreesToE7 and parseDecimal); undefined if not allowed. */
export function parseDegrees(text: string, limitDegrees: number): number | undefined {
  return degreesToE7(parseDecimal(text), limitDegrees);
}

/** E7 to degrees as text, without float noise: 409146138 -> "40.9146138". */
export function e7ToDegrees(e7: number): string {
  return (e7 / E7_PER_DEGREE).toFixed(7).replace(/\.?0+$/, '');
}
