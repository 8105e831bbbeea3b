/** Degrees as text (`40.9146138`, `-75`) to E7, rounded to the nearest integer, never truncated. */
export function degreesToE7(text: string, what: string): number {
  const degrees = Number(text);
  if (text.trim() === '' || !Number.isFinite(degrees)) {
    throw new Error(`${what}: "${text}" is not a number of degrees`);
  }
  return Math.round(degrees * 1e7);
}

/** E7 to degrees as text, without float noise: 409146138 -> "40.9146138". */
export function e7ToDegrees(e7: number): string {
  return (e7 / 1e7).toFixed(7).replace(/\.?0+$/, '');
}
