import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/build.js';
import { temporaryDirectory } from '../support/servers.js';

/**
 * The package as a user meets it: `npm pack`, then `npm install ./routeguide-x.y.z.tgz` into an empty
 * project with no build step, then an ESM script and a `tsc --noEmit` check against what was installed.
 */

const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

/** Runs a command to completion; a failure throws with everything the command printed. */
function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

const CLIENT_AND_SERVER = `
import { createRouteGuideClient, degreesToE7, e7ToDegrees, openStorage, startRouteGuide } from 'routeguide';

const server = await startRouteGuide({ logLevel: 'silent' });
const client = createRouteGuideClient(server.address);
try {
  const feature = await client.getFeature({ latitude: degreesToE7(40.9146138, 90), longitude: degreesToE7(-74.6188906, 180) });
  console.log('feature:', feature.name, e7ToDegrees(feature.location.latitude));
  let count = 0;
  for await (const _ of client.listFeatures({ lo: { latitude: 400000000, longitude: -750000000 }, hi: { latitude: 420000000, longitude: -730000000 } })) count++;
  console.log('listed:', count);
  const aborted = new AbortController();
  aborted.abort();
  const error = await client.getFeature({ latitude: 1, longitude: 1 }, { signal: aborted.signal }).catch((caught) => caught);
  console.log('aborted call:', error.code);
} finally {
  client.close();
  await server.close();
}

const storage = await openStorage('memory:');
console.log('inserted:', (await storage.insertFeatures([{ name: 'Here', latitude: 1, longitude: 2 }])).inserted);
await storage.close();
`;

const TYPED = `
import {
  createRouteGuideClient,
  openStorage,
  startRouteGuide,
  type Feature,
  type RouteGuideClient,
  type RouteGuideServer,
  type Storage,
} from 'routeguide';

const server: RouteGuideServer = await startRouteGuide({ storage: 'memory:', port: 0, replayLimit: 10, logLevel: 'silent' });
const client: RouteGuideClient = createRouteGuideClient(server.address, { tls: undefined });
const feature: Feature = await client.getFeature({ latitude: 0, longitude: 0 }, { timeoutMs: 1000 });
const name: string = feature.name;
const storage: Storage = await openStorage('memory:');
await storage.close();
client.close();
await server.close(1);
export { name };
`;

describe('the packed package', () => {
  const directory = temporaryDirectory('routeguide-package-');
  const project = join(directory.path, 'project');
  let tarball = '';

  beforeAll(() => {
    const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', directory.path], ROOT)) as { filename: string; files: { path: string }[] }[];
    tarball = join(directory.path, packed[0]!.filename);
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'uses-routeguide', private: true, type: 'module' }));
    run('npm', ['install', '--no-audit', '--no-fund', tarball], project);
  });
  afterAll(() => directory.remove());

  it('is named by its version and ships no sources, tests or source maps', () => {
    expect(tarball.endsWith(`routeguide-${version}.tgz`)).toBe(true);
    const listing = run('tar', ['-tzf', tarball], directory.path).split('\n');
    expect(listing).toContain('package/dist/routeguide.js');
    expect(listing).toContain('package/dist/routeguide.d.ts');
    expect(listing).toContain('package/migrations/sqlite/001_features_and_notes.sql');
    expect(listing.filter((path) => /^package\/(src|test|bench)\//.test(path) || path.endsWith('.map'))).toEqual([]);
  });

  it('runs an ESM script against the installed package: embedded server, client, storage', () => {
    writeFileSync(join(project, 'script.mjs'), CLIENT_AND_SERVER);
    const output = run(process.execPath, ['script.mjs'], project);
    expect(output.trim().split('\n')).toEqual([
      'feature: Berkshire Valley Management Area Trail, Jefferson, NJ, USA 40.9146138',
      'listed: 100',
      'aborted call: 1',
      'inserted: 1',
    ]);
  });

  it('typechecks a TypeScript user of the package with tsc --noEmit', () => {
    writeFileSync(join(project, 'typed.ts'), TYPED);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          // The project's own @types/node, so that the check needs nothing more from the registry.
          typeRoots: [join(ROOT, 'node_modules/@types')],
          types: ['node'],
        },
        files: ['typed.ts'],
      }),
    );
    run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], project);
  });

  it('installs the routeguide bin, which prints its version', () => {
    expect(run(join(project, 'node_modules/.bin/routeguide'), ['--version'], project).trim()).toBe(`routeguide ${version}`);
  });
});
