import { describe, expect, it } from 'vitest';
import { FeatureFileError } from '../../src/feature-files/feature-file.js';
import { parseJsonEntry } from '../../src/feature-files/json-entry.js';

const where = 'seed.json: entry 7';

describe('parseJsonEntry', () => {
  it('reads a valid entry, a missing name as unnamed, and ignores other members', () => {
    expect(parseJsonEntry({ location: { latitude: 409146138, longitude: -746188906 }, name: 'Berkshire Valley' }, where)).toEqual({
      name: 'Berkshire Valley',
      latitude: 409146138,
      longitude: -746188906,
    });
    expect(parseJsonEntry({ location: { latitude: -900000000, longitude: 1800000000, altitude: 3 }, kind: 'x' }, where)).toEqual({
      name: '',
      latitude: -900000000,
      longitude: 1800000000,
    });
  });

  // The hand-written check passes only what zod passes; everything else gets zod's message.
  it.each([
    [null, /entry: must be an object|expected object/],
    [[1, 2], /entry 7: /],
    [{ name: 'no location' }, /location: must be an object with latitude and longitude/],
    [{ location: [409146138, -746188906] }, /location: must be an object with latitude and longitude/],
    [{ location: { latitude: 900000001, longitude: 0 } }, /location\.latitude: 900000001 is out of range; must be an integer between -900000000 and 900000000/],
    [{ location: { latitude: 0, longitude: -1800000001 } }, /location\.longitude: -1800000001 is out of range/],
    [{ location: { latitude: 1.5, longitude: 0 } }, /location\.latitude: 1\.5 is out of range; must be an integer/],
    [{ location: { latitude: '1', longitude: 0 } }, /location\.latitude: must be an integer, got "1"/],
    [{ location: { latitude: 1 } }, /location\.longitude: must be an integer, got nothing/],
    [{ location: { latitude: 1, longitude: 2 }, name: null }, /name: must be a string/],
    [{ location: { latitude: 1, longitude: 2 }, name: 5 }, /name: must be a string/],
  ])('refuses %j, naming the entry and the field', (entry, message) => {
    const parse = () => parseJsonEntry(entry, where);
    expect(parse).toThrow(FeatureFileError);
    expect(parse).toThrow(message);
    expect(parse).toThrow(/^seed\.json: entry 7: /);
  });
});
