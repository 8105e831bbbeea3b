import { describe, expect, it } from 'vitest';
import { JsonElementsError, jsonArrayElements, type ArrayAt } from '../../src/feature-files/json-array-elements.js';

/** `text` in chunks of `size` characters, as a file read would deliver it. */
async function* chunked(text: string, size: number): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

async function elements(text: string, at: ArrayAt, size: number): Promise<unknown[]> {
  const all: unknown[] = [];
  for await (const batch of jsonArrayElements(chunked(text, size), at)) all.push(...batch);
  return all;
}

async function failure(text: string, at: ArrayAt, size = 5): Promise<JsonElementsError> {
  try {
    await elements(text, at, size);
  } catch (error) {
    if (error instanceof JsonElementsError) return error;
    throw error;
  }
  throw new Error('expected a JsonElementsError');
}

const DOCUMENT: ArrayAt = { kind: 'document' };
const FEATURES: ArrayAt = { kind: 'member', key: 'features' };
const CHUNK_SIZES = [1, 2, 3, 7, 64, 1 << 20];

// Strings that hold the characters the scan watches: quotes, backslashes, brackets, commas, colons.
const TRICKY = [
  { name: 'a "quoted", [bracketed] {braced}: name', location: { latitude: 1, longitude: -2 } },
  { name: 'ends in a backslash \\', location: { latitude: 3, longitude: 4 } },
  { name: '\\"', nested: [[1, [2]], { a: '}' }] },
  { name: 'ünïcødé 🗺️' },
  [],
  'a string element, with a comma',
  42,
  null,
];

describe('jsonArrayElements', () => {
  it.each(CHUNK_SIZES)('yields every element of a document array, whatever the chunk size (%i)', async (size) => {
    const text = '\uFEFF [\n' + TRICKY.map((value) => JSON.stringify(value, null, size % 2 === 0 ? 2 : undefined)).join(' ,\n') + '\n] \n';
    expect(await elements(text, DOCUMENT, size)).toEqual(TRICKY);
  });

  it.each(CHUNK_SIZES)('yields the elements of a member array, wherever the member is (chunks of %i)', async (size) => {
    const text = JSON.stringify({ type: 'FeatureCollection', 'not features': [9], bbox: { features: [8] }, features: TRICKY, after: ['x'] });
    expect(await elements(text, FEATURES, size)).toEqual(TRICKY);
  });

  it('yields nothing for an empty array', async () => {
    expect(await elements(' [ ] ', DOCUMENT, 1)).toEqual([]);
    expect(await elements('{"features": []}', FEATURES, 1)).toEqual([]);
  });

  it('names the first malformed element by its index', async () => {
    const error = await failure('[{"a": 1}, {"a": 2}, {"a": 3,}, {"a": 4}]', DOCUMENT);
    expect(error.kind).toBe('syntax');
    expect(error.entry).toBe(2);
  });

  it('rejects a comma with no element after it', async () => {
    expect((await failure('[1, 2, ]', DOCUMENT)).kind).toBe('syntax');
    expect((await failure('[1,, 2]', DOCUMENT)).kind).toBe('syntax');
  });

  it('rejects a file that ends inside the array, saying how many entries were complete', async () => {
    const error = await failure('[{"a": 1}, {"a": 2}, {"a": ', DOCUMENT);
    expect(error.kind).toBe('syntax');
    expect(error.message).toBe('the file ends inside the array, after 2 complete entries');
  });

  it('rejects text after the array', async () => {
    expect((await failure('[1, 2] [3]', DOCUMENT)).message).toBe('unexpected "[" after the array');
  });

  it('rejects an empty file', async () => {
    expect((await failure(' \n', DOCUMENT)).message).toBe('the file is empty');
  });

  it('says the shape is wrong when the document is not the array asked for', async () => {
    expect(await failure('{"features": []}', DOCUMENT)).toMatchObject({ kind: 'shape', message: 'the document is not an array' });
    expect(await failure('[1]', FEATURES)).toMatchObject({ kind: 'shape', message: 'the document is not an object with a "features" array' });
    expect(await failure('{"type": "FeatureCollection"}', FEATURES)).toMatchObject({ kind: 'shape', message: 'the document has no "features" array' });
    expect(await failure('{"features": {"a": 1}}', FEATURES)).toMatchObject({ kind: 'shape', message: '"features" is not an array' });
  });
});

describe('jsonArrayElements on many objects (where each chunk is parsed at a guessed boundary)', () => {
  const entries = Array.from({ length: 500 }, (_, i) => ({ location: { latitude: i, longitude: -1 - i }, name: `place ${i}` }));

  it.each([16, 100, 1000, 1 << 16])('yields every element in order (chunks of %i)', async (size) => {
    const text = '[\n' + entries.map((entry) => JSON.stringify(entry)).join(',\n') + '\n]\n';
    expect(await elements(text, DOCUMENT, size)).toEqual(entries);
    const collection = JSON.stringify({ type: 'FeatureCollection', features: entries, bbox: [0, 0, 1, 1] });
    expect(await elements(collection, FEATURES, size)).toEqual(entries);
  });

  it.each([16, 100, 1000])('yields elements whose strings and nested arrays look like boundaries (chunks of %i)', async (size) => {
    const tricky = entries.map((entry, i) => (i % 7 === 0 ? { ...entry, name: `x}, {"name": "y${i}` } : i % 11 === 0 ? { ...entry, list: [{ a: i }, { b: [{}, {}] }] } : entry));
    const text = '[' + tricky.map((entry) => JSON.stringify(entry)).join(', ') + ']';
    expect(await elements(text, DOCUMENT, size)).toEqual(tricky);
  });

  it.each([16, 1000])('names a malformed element far into the array by its index (chunks of %i)', async (size) => {
    const lines = entries.map((entry) => JSON.stringify(entry));
    lines[321] = '{"location": {"latitude": 1, "longitude": 2}, "name": "bad",}';
    const error = await failure('[' + lines.join(',\n') + ']', DOCUMENT, size);
    expect(error).toMatchObject({ kind: 'syntax', entry: 321 });
  });

  it.each([16, 1000])('counts the complete entries of a truncated array (chunks of %i)', async (size) => {
    const text = '[' + entries.map((entry) => JSON.stringify(entry)).join(',\n') + ',\n';
    expect((await failure(text, DOCUMENT, size)).message).toBe('the file ends inside the array, after 500 complete entries');
    const cut = '[' + entries.map((entry) => JSON.stringify(entry)).join(',\n');
    expect((await failure(cut.slice(0, -3), DOCUMENT, size)).message).toBe('the file ends inside the array, after 499 complete entries');
  });

  it.each([16, 1000])('rejects text after the array (chunks of %i)', async (size) => {
    const text = '[' + entries.map((entry) => JSON.stringify(entry)).join(',') + '], {"a": 1}, {"b": 2}';
    expect((await failure(text, DOCUMENT, size)).message).toBe('unexpected "," after the array');
  });
});
