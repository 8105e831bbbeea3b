// `node bench/mapped-tree.js`: what opening a packed tree from a file costs, mapped against read into
// the heap. A child builds a flatbush tree (Int32 coordinates, nodeSize 16) over --n random points
// (default 100,000,000: about 2 GiB) and writes it after a header page; then fresh processes open it:
// loading the native module, mapSections + Flatbush.from, 10,000 small-box searches, and their memory (RssAnon, RssFile, Pss).
// Needs `npm run build` first. Options: --n N, --dir D (default the OS temporary folder).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { root } from './child-processes.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '100000000' }, dir: { type: 'string', default: tmpdir() } } });
if (!existsSync(join(root, 'dist/index/mapped-file.js'))) {
  console.error('bench: dist/ is missing; run `npm run build` first');
  process.exit(1);
}

const BUILD = `
import { openSync, writeSync, closeSync } from 'node:fs';
import Flatbush from 'flatbush';
const [path, n] = [process.argv[1], Number(process.argv[2])];
const started = performance.now();
const tree = new Flatbush(n, 16, Int32Array);
let seed = 11;
const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
for (let i = 0; i < n; i++) {
  const x = Math.floor((random() * 2 - 1) * 1_800_000_000), y = Math.floor((random() * 2 - 1) * 900_000_000);
  tree.add(x, y, x, y);
}
tree.finish();
const built = performance.now();
const fd = openSync(path, 'w');
writeSync(fd, Buffer.alloc(4096));
const data = new Uint8Array(tree.data);
for (let done = 0; done < data.length; ) done += writeSync(fd, data, done, Math.min(2 ** 30, data.length - done));
closeSync(fd);
console.log(JSON.stringify({ bytes: data.length, buildSeconds: (built - started) / 1000, writeSeconds: (performance.now() - built) / 1000 }));
`;

const OPEN = `
import { readFileSync } from 'node:fs';
import Flatbush from 'flatbush';
const { mapSections } = await import(${JSON.stringify(join(root, 'dist/index/mapped-file.js'))});
const [path, length, forceRead] = [process.argv[1], Number(process.argv[2]), process.argv[3] === 'read'];
const memory = () => {
  const status = readFileSync('/proc/self/status', 'utf8');
  const rollup = readFileSync('/proc/self/smaps_rollup', 'utf8');
  const kB = (text, name) => Number(new RegExp('^' + name + ':\\\\s+(\\\\d+) kB', 'm').exec(text)[1]);
  return { rssAnonMiB: kB(status, 'RssAnon') / 1024, rssFileMiB: kB(status, 'RssFile') / 1024, pssMiB: kB(rollup, 'Pss') / 1024 };
};
const loading = performance.now();
mapSections(path, [], { forceRead }); // opens the file and loads the native module, once a process
const t0 = performance.now();
const { buffers, mapped, reason } = mapSections(path, [{ offset: 4096, length }], { forceRead });
const t1 = performance.now();
const tree = Flatbush.from(buffers[0].buffer, buffers[0].byteOffset);
const t2 = performance.now();
let seed = 7, hits = 0;
const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const first = performance.now();
hits += tree.search(0, 0, 100_000, 100_000).length;
const firstDone = performance.now();
for (let i = 0; i < 10_000; i++) {
  const x = Math.floor((random() * 2 - 1) * 1_790_000_000), y = Math.floor((random() * 2 - 1) * 890_000_000);
  hits += tree.search(x, y, x + 2_000_000, y + 2_000_000).length;
}
const t3 = performance.now();
console.log(JSON.stringify({ mapped, reason, loadModuleMs: t0 - loading, mapMs: t1 - t0, fromMs: t2 - t1, firstSearchMs: firstDone - first, searchesPerSecond: Math.round(10_000 / ((t3 - firstDone) / 1000)), hits, ...memory() }));
`;

function node(script, args) {
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script, ...args], { cwd: root, maxBuffer: 1 << 20 }).toString());
}

const directory = mkdtempSync(join(values.dir, 'routeguide-mapped-tree-'));
try {
  const path = join(directory, 'tree.bin');
  console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const built = node(BUILD, [path, values.n]);
  console.log(`built ${values.n} points: ${built.bytes} bytes, ${built.buildSeconds.toFixed(1)} s to build, ${built.writeSeconds.toFixed(1)} s to write`);
  for (const mode of ['map', 'read', 'map']) {
    console.log(mode, JSON.stringify(node(OPEN, [path, String(built.bytes), mode])));
  }
  console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
} finally {
  rmSync(directory, { recursive: true, force: true });
}
