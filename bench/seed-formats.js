// `npm run bench:seed-formats`: how close `routeguide seed FILE` comes to the speed of a bare insert,
// for each file format (issue 22). At each size N (--sizes, default 1000000), the same synthetic
// features are written in each format (--formats, default every format there is a writer for); then,
// in the same run and pinned to the same core:
// - the limit: native JSON.parse of the N-feature .json file plus a bare better-sqlite3 insert of its
//   rows in one transaction into a table without constraints (bench/seed-limit.js, its own process);
// - each format's `node bin/routeguide.js seed --storage sqlite:FRESH.db FILE`, timed as a whole
//   process (start-up and the index file's update included), with its peak RSS (`/usr/bin/time -f
//   %M`), the import's own time (seed's summary line: from the start of reading to the commit) and the
//   index file's update (its stderr line);
// - ratio = limit seconds / whole seed seconds (issue 22's targets: json >= 0.6, csv, geojsonl and
//   parquet >= 0.5, peak RSS <= 300 MiB at 10M).
// The files are kept in --dir (default $TMPDIR/routeguide-seed-formats) and reused by later runs with
// the same N, seed and format; --fresh-files writes them again. --runs R seeds each format R times and
// keeps the fastest, and the limit too. --compare DIR also seeds with the build in another checkout
// (its dist/ built), taking turns with this one, for a before and after in one run on a busy machine.
// Prints a Markdown table, with the commits and `uptime`.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { root } from './child-processes.js';
import { CLIENT_CORE, onCore, PINNED } from './goload.js';
import { writeFeatureFile } from './feature-files.js';
import { syntheticFeatures } from '../dist/feature-files/synthetic-features.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000000' },
    formats: { type: 'string' },
    'random-seed': { type: 'string', default: '1' },
    runs: { type: 'string', default: '1' },
    dir: { type: 'string', default: join(tmpdir(), 'routeguide-seed-formats') },
    'fresh-files': { type: 'boolean', default: false },
    compare: { type: 'string' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const randomSeed = Number(values['random-seed']);
const runs = Number(values.runs);
const log = (line) => process.stderr.write(`bench: ${line}\n`);

/** createFeatureWriter(format, sink) from the build, when this build has it (issue 22's writers). */
const writerModule = join(root, 'dist/feature-files/write-feature-file.js');
const shared = existsSync(writerModule) ? await import(writerModule) : undefined;
const { FEATURE_FORMATS } = await import('../dist/feature-files/feature-file.js');
/** The formats the bench writes itself when the build has no writers. */
const OWN_WRITERS = ['json', 'csv', 'geojson'];
const writable = shared === undefined ? OWN_WRITERS : FEATURE_FORMATS.filter((format) => format !== 'geojsons');
const formats = values.formats === undefined ? writable : values.formats.split(',');
for (const format of formats) {
  if (!writable.includes(format)) throw new Error(`--formats: this build cannot write ${format}; it writes ${writable.join(', ')}`);
}

const TIMED = existsSync('/usr/bin/time');
/** node with `args`, on the other core than this process's, when pinning (bench/goload.js). */
function command(args) {
  const [executable, rest] = onCore(CLIENT_CORE, process.execPath, args);
  return [executable, ...rest];
}

/** Writes `n` synthetic features to `path` in `format`, with the build's writer when there is one. */
async function writeFile(path, format, n) {
  if (shared === undefined) return writeFeatureFile(path, format, n, randomSeed);
  const out = createWriteStream(path);
  const sink = {
    async write(chunk) {
      if (!out.write(chunk)) await once(out, 'drain');
    },
  };
  const writer = shared.createFeatureWriter(format, sink);
  let batch = [];
  for (const feature of syntheticFeatures(n, randomSeed)) {
    batch.push(feature);
    if (batch.length === 10_000) {
      await writer.write(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await writer.write(batch);
  await writer.end();
  out.end();
  await once(out, 'finish');
}

/** The file of `n` features in `format`, written unless a previous run left it. */
async function featureFile(n, format) {
  mkdirSync(values.dir, { recursive: true });
  const path = join(values.dir, `${n}-seed${randomSeed}.${format}`);
  if (values['fresh-files'] || !existsSync(path)) {
    log(`writing ${path}`);
    await writeFile(`${path}.partial`, format, n);
    renameSync(`${path}.partial`, path);
  }
  return path;
}

/** Runs `args` (node's) pinned and timed: wall seconds, peak RSS in MiB, stdout and stderr with each line's time. */
async function run(args, cwd = root) {
  const rssFile = join(work, 'rss');
  const full = TIMED ? ['/usr/bin/time', '-o', rssFile, '-f', '%M', ...command(args)] : command(args);
  const started = performance.now();
  const child = spawn(full[0], full.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  const stderr = [];
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    for (const line of chunk.split('\n')) if (line !== '') stderr.push({ at: (performance.now() - started) / 1000, line });
  });
  const [code] = await once(child, 'exit');
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`${args.join(' ')} exited with ${code}: ${stderr.map((l) => l.line).join('\n')}`);
  const peakRssMiB = TIMED ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1)) / 1024 : undefined;
  return { seconds, peakRssMiB, stdout, stderr };
}

async function limit(jsonFile) {
  let best;
  for (let i = 0; i < runs; i++) {
    const database = join(work, `limit-${i}.db`);
    const { stdout, peakRssMiB } = await run(['bench/seed-limit.js', jsonFile, database]);
    rmSync(database, { force: true });
    rmSync(`${database}-wal`, { force: true });
    const result = JSON.parse(stdout);
    result.seconds = result.readSeconds + result.parseSeconds + result.insertSeconds;
    result.peakRssMiB = peakRssMiB;
    if (best === undefined || result.seconds < best.seconds) best = result;
  }
  return best;
}

/** The checkouts whose builds seed: this one, and the one to compare with. */
const checkouts = [root, ...(values.compare === undefined ? [] : [values.compare])];

async function seed(file, n, checkout) {
  let best;
  for (let i = 0; i < runs; i++) {
    const database = join(work, `seed-${i}.db`);
    const result = await run(['bin/routeguide.js', 'seed', '--storage', `sqlite:${database}`, file], checkout);
    const summary = /seeded (\d[\d,]*) features?.* (\d+) read in ([\d.]+) s/.exec(result.stdout);
    if (summary === null || Number(summary[2]) !== n) throw new Error(`unexpected seed output: ${result.stdout}`);
    const index = result.stderr.find((l) => /the index file .* in ([\d.]+) s$/.test(l.line));
    const figures = {
      seconds: result.seconds,
      importSeconds: Number(summary[3]),
      indexSeconds: index === undefined ? undefined : Number(/in ([\d.]+) s$/.exec(index.line)[1]),
      peakRssMiB: result.peakRssMiB,
    };
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${database}${suffix}`, { force: true });
    rmSync(join(work, `seed-${i}.db.index`), { recursive: true, force: true });
    if (best === undefined || figures.seconds < best.seconds) best = figures;
  }
  return best;
}

const work = mkdtempSync(join(tmpdir(), 'routeguide-seed-formats-run-'));
const fixed = (value, digits = 2) => (value === undefined ? '-' : value.toFixed(digits));
/** A checkout's commit, marked when it has uncommitted changes; `DIR` for a directory that is no git checkout. */
function buildOf(checkout) {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: checkout, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: checkout, encoding: 'utf8' }).trim();
    return status === '' ? commit : `${commit}+changes`;
  } catch {
    return checkout;
  }
}
const rows = [];
try {
  for (const n of sizes) {
    const files = {};
    for (const format of new Set(['json', ...formats])) files[format] = await featureFile(n, format);
    log(`limit at ${n}: JSON.parse + bare insert`);
    const bare = await limit(files.json);
    if (bare.rows !== n) throw new Error(`the limit read ${bare.rows} rows, not ${n}`);
    rows.push(
      `| ${n.toLocaleString('en-US')} | limit | - | ${fixed(statSync(files.json).size / 2 ** 20, 0)} | ${fixed(bare.seconds)} ` +
        `(read ${fixed(bare.readSeconds)}, parse ${fixed(bare.parseSeconds)}, insert ${fixed(bare.insertSeconds)}) | - | - | 1.00 | ${fixed(bare.peakRssMiB, 0)} |`,
    );
    for (const format of formats) {
      for (const checkout of checkouts) {
        log(`seed ${n} ${format} with ${buildOf(checkout)}`);
        const s = await seed(files[format], n, checkout);
        rows.push(
          `| ${n.toLocaleString('en-US')} | ${format} | ${buildOf(checkout)} | ${fixed(statSync(files[format]).size / 2 ** 20, 0)} | ${fixed(s.seconds)} | ` +
            `${fixed(s.importSeconds)} | ${fixed(s.indexSeconds)} | ${fixed(bare.seconds / s.seconds)} | ${fixed(s.peakRssMiB, 0)} |`,
        );
      }
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const uptime = execFileSync('uptime', { encoding: 'utf8' }).trim();
process.stdout.write(
  `seed-formats: build ${checkouts.map(buildOf).join(' against ')}, node ${process.version}, ${PINNED ? `pinned to core ${CLIENT_CORE}` : 'not pinned'}, best of ${runs}; ${uptime}\n\n` +
    '| N | format | build | file MiB | whole process s | import s | index file s | ratio (limit / whole) | peak RSS MiB |\n' +
    '| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n' +
    rows.join('\n') +
    '\n',
);
