import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { countStoredFeatures, temporaryDirectory } from '../support/servers.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/parquet/${name}`, import.meta.url));

let directory: ReturnType<typeof temporaryDirectory>;
let stdout: string[];
let stderr: string[];
beforeEach(() => {
  directory = temporaryDirectory('routeguide-seed-parquet-');
  stdout = [];
  stderr = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (stdout.push(String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  directory.remove();
});

describe('routeguide seed FILE.parquet', () => {
  it('imports a GeoParquet file chosen by its extension, every row group', async () => {
    const url = `sqlite:${join(directory.path, 'places.db')}`;
    expect(await main(['seed', '--storage', url, fixture('row-groups.parquet')], {})).toBe(0);
    expect(stdout.join('')).toMatch(/seeded 5000 features from .*row-groups\.parquet/);
    expect(await countStoredFeatures(url)).toBe(5000);
  }, 30_000);

  it('refuses a polygon with one line naming the row, and imports nothing', async () => {
    const url = `sqlite:${join(directory.path, 'polygon.db')}`;
    expect(await main(['seed', '--storage', url, fixture('polygon.parquet')], {})).toBe(1);
    const lines = stderr.join('').trim().split('\n');
    expect(lines.at(-1)).toMatch(/polygon\.parquet: row 1: geometry is a Polygon; only points can be seeded$/);
    expect(stderr.join('')).not.toMatch(/\n\s+at /);
    expect(await countStoredFeatures(url)).toBe(0);
  }, 30_000);
});
