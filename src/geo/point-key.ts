/** A string key for an E7 point, for maps keyed by exact location. */
export function pointKey(latitude: number, longitude: number): string {
  return `${latitude},${longitude}`;
}
