import { spawn } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeatureFormat } from '../../src/feature-files/feature-file.js';
import { readFeatureFile } from '../../src/feature-files/read-feature-file.js';
import { WRITABLE_FORMATS } from '../../src/feature-files/write-feature-file.js';
import type { FeatureRecord } from '../../src/geo/feature.js';
import { openStorage } from '../../src/storage/open-storage.js';
import { BIN } from '../support/build.js';
import { ensureBuilt, runCli } from '../support/cli.js';
import { gdalAvailable } from '../support/gdal.js';
import { collect, startTestServer, temporaryDirectory, type TestServer } from '../support/servers.js';
import { byPoint, trickyFeatures } from '../support/tricky-names.js';

/**
 * Every format `client export` writes (the writer table's, so a format added there joins this test),
 * seeded again into a fresh database, gives back the very features that were served: the same points,
 * the same names byte for byte.
 */
const FEATURES = trickyFeatures(10_000);
const directory = temporaryDirectory('routeguide-round-trip-');
let server: TestServer;

async function stored(url: string): Promise<FeatureRecord[]> {
  const storage = await openStorage(url);
  try {
    return (await collect(storage.scanFeatures())).flat();
  } finally {
    await storage.close();
  }
}

/** `routeguide client export` of the whole map into `file`, stdout going to the file as bytes (as `> file` would). */
async function exportTo(format: FeatureFormat, file: string): Promise<{ code: number | null; stderr: string }> {
  const out = openSync(file, 'w');
  try {
    const child = spawn(process.execPath, [BIN, 'client', 'export', '-90', '-180', '90', '180', '--target', server.target, '--format', format], {
      stdio: ['ignore', out, 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    return { code, stderr };
  } finally {
    closeSync(out);
  }
}

beforeAll(async () => {
  ensureBuilt();
  expect(new Set(FEATURES.map(({ latitude, longitude }) => `${latitude},${longitude}`)).size).toBe(FEATURES.length);
  // The source database, seeded from route_guide_db.json's shape as JSON.stringify writes it (no writer of ours).
  const input = join(directory.path, 'input.json');
  writeFileSync(input, JSON.stringify(FEATURES.map(({ name, latitude, longitude }) => ({ location: { latitude, longitude }, name }))));
  const url = `sqlite:${join(directory.path, 'source.db')}`;
  const seeded = await runCli(['seed', '--storage', url, input], { timeoutMs: 60_000 });
  expect(seeded.stderr).toBe('');
  expect(byPoint(await stored(url))).toEqual(byPoint(FEATURES));
  server = await startTestServer({ storageUrl: url, empty: true });
}, 120_000);
afterAll(async () => {
  await server?.stop();
  directory.remove();
});

describe('client export, then seed', { timeout: 60_000 }, () => {
  it.each(WRITABLE_FORMATS)('--format %s: the same 10,000 features, names byte for byte', async (format) => {
    const file = join(directory.path, `export.${format}`);
    const exported = await exportTo(format, file);
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    const url = `sqlite:${join(directory.path, `${format}.db`)}`;
    const seeded = await runCli(['seed', '--storage', url, file], { timeoutMs: 60_000 });
    expect(seeded.stderr).toBe('');
    expect(seeded.stdout).toMatch(/^seeded 10000 features from .*; 0 duplicates skipped; 10000 read in /);
    const back = byPoint(await stored(url));
    expect(back).toEqual(byPoint(FEATURES));
    // toEqual compares UTF-16 code units; the bytes make the promise explicit.
    expect(Buffer.from(back.map((feature) => feature.name).join('\0'))).toEqual(Buffer.from(byPoint(FEATURES).map((feature) => feature.name).join('\0')));
  });
});

describe.skipIf(!gdalAvailable())('GDAL reads what we write', { timeout: 60_000 }, () => {
  it.each([
    ['geojsonl', 'GeoJSONSeq'],
    ['geojsons', 'GeoJSONSeq'],
    ['geojson', 'GeoJSON'],
  ] as const)('ogrinfo reads a %s export as %s, every feature', async (format, driver) => {
    const file = join(directory.path, `gdal.${format}`);
    expect((await exportTo(format, file)).code).toBe(0);
    const info = await new Promise<string>((resolve, reject) => {
      const child = spawn('ogrinfo', ['-ro', '-so', '-al', file], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('error', reject);
      child.once('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`ogrinfo exited ${code}: ${output}`))));
    });
    expect(info).toContain(`using driver \`${driver}'`);
    expect(info).toContain('Geometry: Point');
    expect(info).toContain(`Feature Count: ${FEATURES.length}`);
  });

  it.each([
    ['geojsonl', []],
    ['geojsons', []],
    ['csv', ['-oo', 'X_POSSIBLE_NAMES=longitude', '-oo', 'Y_POSSIBLE_NAMES=latitude', '-oo', 'KEEP_GEOM_COLUMNS=NO']],
  ] as const)('ogr2ogr converts a %s export to GeoJSON with the same features and names, byte for byte (but for two GDAL quirks)', async (format, openOptions) => {
    const file = join(directory.path, `ogr.${format}`);
    expect((await exportTo(format, file)).code).toBe(0);
    const converted = join(directory.path, `ogr-${format}.geojson`);
    await new Promise<void>((resolve, reject) => {
      const child = spawn('ogr2ogr', ['-f', 'GeoJSON', ...openOptions, converted, file], { stdio: ['ignore', 'ignore', 'pipe'] });
      let errors = '';
      child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
      child.once('error', reject);
      child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`ogr2ogr exited ${code}: ${errors}`))));
    });
    // GDAL reads a string property that holds a JSON object as a JSON field and writes it back as an object: leave those names out.
    const jsonLike = (feature: FeatureRecord): boolean => {
      try {
        return typeof JSON.parse(feature.name) === 'object';
      } catch {
        return false;
      }
    };
    // GDAL's CSV reader drops a carriage return inside a quoted field: leave those names out of the CSV check.
    const at = (feature: FeatureRecord): string => `${feature.latitude},${feature.longitude}`;
    const left = new Set(FEATURES.filter((feature) => jsonLike(feature) || (format === 'csv' && feature.name.includes('\r'))).map(at));
    const read = await collect(readFeatureFile(converted, undefined, { skipInvalid: true }).features);
    expect(byPoint(read.filter((feature) => !left.has(at(feature))))).toEqual(byPoint(FEATURES.filter((feature) => !left.has(at(feature)))));
  });
});
