import { readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCommand } from '../../src/cli/seed-command.js';
import { extensionsText } from '../../src/feature-files/feature-file.js';
import { readFeatureFile } from '../../src/feature-files/read-feature-file.js';
import { StorageUrlError } from '../../src/storage/open-storage.js';
import { runCli } from '../support/cli.js';
import { temporaryDirectory } from '../support/servers.js';
import { eventually } from '../support/wait.js';

/** How many of this process's file descriptors point at `path`. */
function openHandles(path: string): number {
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) count++;
    } catch {
      // Closed between the listing and the read.
    }
  }
  return count;
}

describe('seed files are opened when read and closed when given up', () => {
  const directory = temporaryDirectory();
  const file = join(directory.path, 'places.csv');
  // Far more than the readers buffer ahead, so that an abandoned reader would hold the file open.
  beforeAll(() => {
    const rows = Array.from({ length: 100_000 }, (_, i) => `place ${i},${(i % 90) / 2},${(i % 180) / 2}`);
    writeFileSync(file, `name,latitude,longitude\n${rows.join('\n')}\n`);
  });
  afterAll(() => directory.remove());

  it('readFeatureFile opens the file at once, and close() releases it without reading on', async () => {
    const opened = readFeatureFile(file);
    await eventually(() => openHandles(file) === 1, 5000, 'the file to be opened');
    opened.close();
    await eventually(() => openHandles(file) === 0, 5000, 'the file to be closed');
  });

  it('seed leaves no handle on its input when the storage fails to open', async () => {
    const missing = `sqlite:${join(directory.path, 'no-such-directory', 'rg.db')}`;
    await expect(seedCommand(['--storage', missing, file], {})).rejects.toBeInstanceOf(StorageUrlError);
    await eventually(() => openHandles(file) === 0, 5000, 'the seed file to be closed');
  });

  it('--help says which formats a seed file may have', async () => {
    const serveHelp = await runCli(['serve', '--help']);
    const seedRow = serveHelp.stdout.split('\n').find((line) => line.trimStart().startsWith('--seed '));
    // Every extension formatOf knows, so that a format added there is announced here.
    expect(extensionsText()).toMatch(/^\.json, \.geojson, \.csv, .*\.geojsonl, .*\.geojsons.* or \.ndjson$/);
    expect(seedRow).toContain(extensionsText());
    const usage = await runCli(['--help']);
    expect(usage.stdout).toContain(`seed      import features from a ${extensionsText()} file`);
    expect(usage.stdout).not.toContain('route_guide_db.json-shaped');
  });
});
