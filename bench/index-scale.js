// `npm run bench:scale`: issue 20's targets, on SQLite, for each N of --sizes (default 1M, 10M and
// 100M synthetic features, --random-seed 11):
// 1. `routeguide seed --synthetic N` into a fresh database: the whole process's time, features/s
//    (overall, the import's own, and along the way near 10M and near 100M), the import's peak RSS and
//    the index file build's apart, the database's and the index file's sizes, and the index file's
//    bytes a feature besides the names' UTF-8 bytes (from its header's section table);
// 2. start-up to `listening on`, warm page cache (median of 3) and cold (drop_caches, as root);
// 3. RssAnon after start and after a minute of goload: get, list (a small rectangle), nearest (-limit
//    10) and chat, 15 s each, from a sample of 1M stored points (server on core 0, goload on core 1);
// 4. at 10M (--workers-at), `--workers 4`: the summed Pss of the primary and its workers against the
//    index file's size plus 4 x 300 MiB;
// 5. at the largest N, calls/s against the bare grpc-js ceiling (bench/ceiling-server.js) in the same
//    run: GetFeature, the small-rectangle ListFeatures and NearestFeatures k=10 (against the ceiling's
//    GetFeature), best of --rounds rounds of --seconds, with the client's CPU beside the server's.
// Prints a table and writes bench/results/scale-<time>.json. Everything it writes goes in a new
// directory under --dir (default: the system's temporary directory), removed at the end.
// Needs `npm run build` and goload (built from ../shared/tools/goload when --goload is missing).
// Options: --sizes N,N,... --dir DIR --goload PATH --seconds S (ceiling rounds, default 5) --rounds R
// (default 2) --load-seconds S (each mixed-load part, default 15) --workers-at N (default 10000000);
// --table FILE prints the table of a results file again and does nothing else.
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { root } from './child-processes.js';
import { CLIENT_CORE, PINNED, SERVER_CORE, buildGoload, findGoloadSources, goload } from './goload.js';
import { childrenOf, memoryStatus, pss } from './proc-memory.js';
import { measuredSeed } from './scale-seed.js';
import { rectFlag, smallRectangle, writePointSample } from './scale-sample.js';
import { startPathParts } from './scale-start-parts.js';
import { dropCaches, serveArgs, startLog, startServer, stopServer } from './scale-servers.js';
import { scaleTable } from './scale-table.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000000,10000000,100000000' },
    'random-seed': { type: 'string', default: '11' },
    dir: { type: 'string', default: tmpdir() },
    goload: { type: 'string', default: '/tmp/goload' },
    'goload-sources': { type: 'string' },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '2' },
    'load-seconds': { type: 'string', default: '15' },
    'workers-at': { type: 'string', default: '10000000' },
    table: { type: 'string' },
  },
});
if (values.table !== undefined) {
  // --table FILE: prints the table of a results file written before, by this version of the table.
  const saved = JSON.parse((await import('node:fs')).readFileSync(values.table, 'utf8'));
  process.stdout.write(`${scaleTable(saved)}\n`);
  process.exit(0);
}
const sizes = values.sizes.split(',').map(Number).sort((a, b) => a - b);
const randomSeed = Number(values['random-seed']);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const loadSeconds = Number(values['load-seconds']);
const workersAt = Number(values['workers-at']);
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) {
  console.error(`bench: invalid --sizes "${values.sizes}": must be positive integers separated by commas`);
  process.exit(2);
}
if (!existsSync(join(root, 'dist/cli/main.js'))) {
  console.error('bench: dist/ is missing; run `npm run build` first');
  process.exit(1);
}
const log = (line) => process.stderr.write(`bench ${new Date().toISOString().slice(11, 19)}: ${line}\n`);
const binary = await buildGoload(findGoloadSources(root, values['goload-sources']), values.goload);
mkdirSync(values.dir, { recursive: true });
const work = mkdtempSync(join(values.dir, 'routeguide-scale-'));
const MiB = 2 ** 20;
const WORKERS = 4;
const WORKER_BUDGET_MiB = 300;

/** The load average and the busiest other processes now, to say what else was running. */
function machineLoad(stage) {
  const busiest = execFileSync('ps', ['-eo', 'pid,pcpu,etime,args', '--sort=-pcpu'], { encoding: 'utf8' })
    .split('\n')
    .slice(1, 8)
    .map((line) => line.trim().slice(0, 160))
    .filter((line) => line.length > 0);
  return { stage, at: new Date().toISOString(), loadAverage: loadavg().map((v) => Number(v.toFixed(2))), busiest };
}

/** The index file's sizes, from its header's section table (dist/index/index-file-format.js). */
async function indexFileSizes(path) {
  const { decodeHeader, PAGE_SIZE } = await import('../dist/index/index-file-format.js');
  const size = statSync(path).size;
  const page = Buffer.alloc(PAGE_SIZE);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, page, 0, PAGE_SIZE, 0);
  } finally {
    closeSync(fd);
  }
  const header = decodeHeader(page, size);
  const sections = Object.fromEntries(Object.entries(header.sections).map(([name, s]) => [name, s.length]));
  return {
    bytes: size,
    count: header.count,
    sections,
    bytesPerFeature: size / header.count,
    bytesPerFeatureWithoutNames: (size - sections.names) / header.count,
    nameBytesPerFeature: sections.names / header.count,
  };
}

function fileBytes(path) {
  return existsSync(path) ? statSync(path).size : 0;
}

function median(numbers) {
  const sorted = [...numbers].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Start-up to `listening on` with a warm page cache: 3 runs (unpinned), and their median. */
async function warmStartups(database) {
  const warm = [];
  for (let run = 0; run < 3; run++) {
    const server = await startServer(root, serveArgs(database));
    const status = memoryStatus(server.pid);
    await stopServer(server);
    warm.push({ seconds: server.startupSeconds, ...startLog(server), rssAnonMiB: status.rssAnonMiB, rssMiB: status.rssMiB });
    const parts = warm.at(-1);
    log(
      `  warm start ${run + 1}: ${server.startupSeconds.toFixed(2)} s (to storage open ${parts.toStorageOpenSeconds?.toFixed(2)} s, ` +
        `index ${parts.indexLoadMs} ms), RssAnon ${status.rssAnonMiB.toFixed(0)} MiB`,
    );
  }
  return { warm, warmMedianSeconds: median(warm.map((w) => w.seconds)) };
}

/** Start-up to `listening on` right after emptying the page cache (as root), or why it was skipped. */
async function coldStartup(database) {
  const dropped = dropCaches();
  if (!dropped.dropped) {
    log(`  cold start skipped: cannot drop the page cache (${dropped.reason})`);
    return { skipped: dropped.reason };
  }
  const server = await startServer(root, serveArgs(database));
  await stopServer(server);
  const parts = startLog(server);
  log(`  cold start: ${server.startupSeconds.toFixed(2)} s (to storage open ${parts.toStorageOpenSeconds?.toFixed(2)} s, index ${parts.indexLoadMs} ms)`);
  return { seconds: server.startupSeconds, ...parts };
}

/** A minute of mixed load on one server (pinned): RssAnon after start and after. */
async function mixedLoad(server, sample, rect) {
  const atStart = memoryStatus(server.pid);
  const parts = {};
  for (const [name, rpc, extra] of [
    ['get', 'get', []],
    ['list', 'list', ['-rect', rectFlag(rect.rectangle)]],
    ['nearest', 'nearest', ['-limit', '10']],
    ['chat', 'chat', []],
  ]) {
    parts[name] = await goload(binary, { target: server.target, rpc, seconds: loadSeconds, db: sample, pid: server.pid, extra });
    log(`  mixed load ${name}: ${Math.round(parts[name].callsPerSecond)} calls/s, server CPU ${pct(parts[name].serverCpuShare)}, client CPU ${pct(parts[name].clientCpuShare)}, errors ${parts[name].errors}`);
  }
  const afterLoad = memoryStatus(server.pid);
  return { atStart, afterLoad, parts };
}

function pct(share) {
  return share === undefined ? '-' : `${Math.round(share * 100)}%`;
}

/** `--workers 4`: the summed Pss of the primary and its workers, after start and after a short load. */
async function workersPss(database, sample, indexBytes) {
  const server = await startServer(root, serveArgs(database, { workers: WORKERS }));
  try {
    const measure = () => {
      const pids = [server.pid, ...childrenOf(server.pid)];
      const each = pids.map((pid) => ({ pid, ...pss(pid), rssAnonMiB: memoryStatus(pid).rssAnonMiB }));
      return { processes: each.length, sumPssMiB: each.reduce((sum, p) => sum + p.pssMiB, 0), each };
    };
    const afterStart = measure();
    // Over 8 connections, so that every worker takes some: node:cluster hands out connections.
    const load = {};
    for (const rpc of ['get', 'nearest']) {
      load[rpc] = await goload(binary, { target: server.target, rpc, seconds: 10, db: sample, extra: ['-conns', '8'] });
    }
    const afterLoad = measure();
    const budgetMiB = indexBytes / MiB + WORKERS * WORKER_BUDGET_MiB;
    log(`  --workers ${WORKERS}: summed Pss ${afterStart.sumPssMiB.toFixed(0)} MiB after start, ${afterLoad.sumPssMiB.toFixed(0)} after load; budget ${budgetMiB.toFixed(0)} MiB`);
    return { startupSeconds: server.startupSeconds, afterStart, afterLoad, load, budgetMiB, ...startLog(server) };
  } finally {
    await stopServer(server);
  }
}

/** Calls/s of the project's server against the ceiling's, alternating which goes first, best of `rounds`. */
async function againstCeiling(project, sample, rect) {
  const ceiling = await startServer(root, ['bench/ceiling-server.js'], { core: SERVER_CORE });
  try {
    const phases = {
      get: { rpc: 'get', extra: [] },
      list: { rpc: 'list', extra: ['-rect', rectFlag(rect.rectangle)], ceilingExtra: ['-md', `bench-hits=${rect.hits}`] },
      nearest: { rpc: 'nearest', extra: ['-limit', '10'] },
    };
    const best = { project: {}, ceiling: {} };
    for (const [phase, { rpc, extra, ceilingExtra = [] }] of Object.entries(phases)) {
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? ['project', 'ceiling'] : ['ceiling', 'project'];
        for (const side of order) {
          const server = side === 'project' ? project : ceiling;
          const figures = await goload(binary, { target: server.target, rpc, seconds, db: sample, pid: server.pid, extra: side === 'project' ? extra : [...extra, ...ceilingExtra] });
          if (!best[side][phase] || figures.callsPerSecond > best[side][phase].callsPerSecond) best[side][phase] = figures;
        }
      }
      const [mine, theirs] = [best.project[phase], best.ceiling[phase]];
      log(
        `  ${phase}: ${Math.round(mine.callsPerSecond)} vs ceiling ${Math.round(theirs.callsPerSecond)} calls/s (features a call ${mine.itemsPerCall.toFixed(2)} vs ${theirs.itemsPerCall.toFixed(2)}; ` +
          `CPU server/client ${pct(mine.serverCpuShare)}/${pct(mine.clientCpuShare)} vs ${pct(theirs.serverCpuShare)}/${pct(theirs.clientCpuShare)})`,
      );
    }
    return best;
  } finally {
    await stopServer(ceiling);
  }
}

const results = {
  when: new Date().toISOString(),
  machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, ${process.platform}`,
  commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim(),
  dirty: execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: root, encoding: 'utf8' }).trim() !== '',
  pinned: PINNED ? `servers on core ${SERVER_CORE}, goload on core ${CLIENT_CORE}` : 'not pinned',
  randomSeed,
  sizes,
  seconds,
  rounds,
  loadSeconds,
  loads: [machineLoad('start')],
  runs: {},
};
const largest = sizes.at(-1);
const resultsDir = join(root, 'bench/results');
mkdirSync(resultsDir, { recursive: true });
const resultsFile = join(resultsDir, `scale-${results.when.replace(/[:.]/g, '-')}.json`);
/** Writes what is measured so far: after each N, so that a long run that fails keeps what it got. */
const save = () => {
  try {
    results.table = scaleTable(results);
  } catch (error) {
    results.tableError = error.message;
  }
  writeFileSync(resultsFile, JSON.stringify(results, null, 2) + '\n');
};
try {
  for (const n of sizes) {
    const run = (results.runs[n] = { n });
    const database = join(work, `scale-${n}.db`);
    log(`N = ${n}: seeding`);
    run.seed = await measuredSeed({ root, database, n, randomSeed, atCounts: [10_000_000, 100_000_000].filter((c) => c <= n), log });
    log(`  seeded in ${run.seed.wholeSeconds.toFixed(1)} s; import peak ${run.seed.importPeak?.peakRssMiB.toFixed(0)} MiB, index build peak ${run.seed.indexBuildPeak?.peakRssMiB.toFixed(0)} MiB`);
    run.databaseBytes = fileBytes(database) + fileBytes(`${database}-wal`);
    run.indexFile = await indexFileSizes(`${database}.index`);
    results.loads.push(machineLoad(`${n}: seeded`));
    const sampleFile = join(work, `sample-${n}.json`);
    const { sample, ...sampled } = writePointSample(database, sampleFile);
    run.sample = sampled;
    run.rectangle = smallRectangle(database, sample);
    log(`  sampled ${sampled.points} points; small rectangle: ${run.rectangle.hits} features`);
    log('  start-up, warm');
    run.startup = await warmStartups(database);
    run.startup.parts = startPathParts(database, `${database}.index`);
    log(`  on their own: quick_check ${run.startup.parts.quickCheckSeconds.toFixed(2)} s, CRC-32 of the index file ${run.startup.parts.indexFileCrcSeconds.toFixed(2)} s`);
    results.loads.push(machineLoad(`${n}: started`));
    const server = await startServer(root, serveArgs(database), { core: SERVER_CORE });
    try {
      run.mixedLoad = await mixedLoad(server, sampleFile, run.rectangle);
      results.loads.push(machineLoad(`${n}: mixed load`));
      if (n === largest) run.ceiling = await againstCeiling(server, sampleFile, run.rectangle);
    } finally {
      await stopServer(server);
    }
    if (n === workersAt) {
      run.workers = await workersPss(database, sampleFile, run.indexFile.bytes);
      results.loads.push(machineLoad(`${n}: workers`));
    }
    // Last, since it leaves the page cache cold for what would follow.
    run.startup.cold = await coldStartup(database);
    for (const suffix of ['', '-wal', '-shm', '.index', '.index.lock']) rmSync(database + suffix, { force: true });
    rmSync(sampleFile, { force: true });
    save();
  }
  results.loads.push(machineLoad('end'));
  save();
  process.stdout.write(`\nrouteguide bench:scale on SQLite, commit ${results.commit}${results.dirty ? ' (src/ changed)' : ''}; ${results.pinned}; ${results.machine}\n\n${results.table}\n`);
  process.stdout.write(`\nwrote ${resultsFile}\n`);
} catch (error) {
  results.error = error.stack;
  save();
  log(`failed; what was measured is in ${resultsFile}`);
  throw error;
} finally {
  rmSync(work, { recursive: true, force: true });
}
