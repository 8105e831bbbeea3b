// `npm run bench`: seeds N synthetic features, then measures the project's server and a bare grpc-js
// ceiling server in turn with the same load from a separate client process. Prints a table and
// writes bench/results/bench-<time>.json. Needs `npm run build` first.
// Options: --n N (default 1000000), --seconds S per phase and round (default 5), --rounds R (default 2),
// --concurrency C (default 64), --random-seed S, --only PHASE[,PHASE...] (drive only these phases, e.g.
// `--only routeChat`, and skip the raw-insert and index-memory measurements; the server is still
// seeded with N features), --postgres (serve from a throwaway PostgreSQL cluster with its default
// settings, fsync and synchronous_commit on, instead of SQLite; needs --only, since the raw-insert,
// index-memory and live-load parts are SQLite's: `npm run bench:live-load -- --postgres` has that one).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000000' },
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '64' },
    'random-seed': { type: 'string', default: '1' },
    rounds: { type: 'string', default: '2' },
    only: { type: 'string' },
    postgres: { type: 'boolean', default: false },
  },
});
const n = Number(values.n);
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const seed = Number(values['random-seed']);
const rounds = Number(values.rounds);
if (!existsSync(join(root, 'dist/cli/main.js'))) {
  console.error('bench: dist/ is missing; run `npm run build` first');
  process.exit(1);
}

const { makeWorkload } = await import('./workload.js');
const { findPostgresBinaries, INSTALL_HINT, startCluster } = await import('../scripts/postgres-cluster.js');
const work = mkdtempSync(join(tmpdir(), 'routeguide-bench-'));
const log = (line) => process.stderr.write(`bench: ${line}\n`);

/** Runs a node script to completion; resolves with its stdout. */
async function run(args, options = {}) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], ...options });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`${args.join(' ')} exited with ${code}`);
  return out;
}

/** Starts a server process and resolves once it prints `listening on HOST:PORT`. */
async function startServer(args) {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const target = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening on (\S+)/.exec(out);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code} before listening`)));
  });
  return { child, target, startupSeconds: (performance.now() - started) / 1000 };
}

function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

async function stop(child) {
  child.kill('SIGTERM');
  await once(child, 'exit');
}

const ALL_PHASES = ['getFeature', 'nearest', 'listSmall', 'listLarge', 'listFull', 'exportFull', 'recordRoute', 'routeChat'];
/** The phases to drive: all, or those --only names (case aside). */
const PHASES = values.only === undefined ? ALL_PHASES : values.only.split(',').map((name) => {
  const phase = ALL_PHASES.find((known) => known.toLowerCase() === name.trim().toLowerCase());
  if (phase === undefined) {
    console.error(`bench: invalid --only phase "${name}": must be one of ${ALL_PHASES.join(', ')}`);
    process.exit(2);
  }
  return phase;
});
const everything = values.only === undefined;
if (values.postgres && everything) {
  console.error('bench: --postgres needs --only PHASE[,PHASE...] (e.g. --only routeChat)');
  process.exit(2);
}
/** The figure that decides which of several rounds of a phase was the best. */
const HEADLINE = {
  getFeature: 'callsPerSecond',
  nearest: 'callsPerSecond',
  listSmall: 'featuresPerSecond',
  listLarge: 'featuresPerSecond',
  listFull: 'featuresPerSecond',
  exportFull: 'featuresPerSecond',
  recordRoute: 'pointsPerSecond',
  routeChat: 'notesPerSecond',
};

async function drivePhase(server, workloadFile, phase) {
  return JSON.parse(await run(['bench/load-client.js', server.target, workloadFile, phase, String(seconds), String(concurrency)]));
}

/**
 * Drives the two servers one at a time, phase by phase, alternating which goes first over `rounds`
 * rounds and keeping each one's best round: other work on a shared machine then skews both alike.
 */
async function driveBoth(project, ceiling, workloadFile) {
  const best = { project: {}, ceiling: {} };
  for (const phase of PHASES) {
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ['project', 'ceiling'] : ['ceiling', 'project'];
      for (const name of order) {
        const figures = await drivePhase(name === 'project' ? project : ceiling, workloadFile, phase);
        const key = HEADLINE[phase];
        if (!best[name][phase] || figures[key] > best[name][phase][key]) best[name][phase] = figures;
      }
    }
    log(`${phase}: ${Math.round(best.project[phase][HEADLINE[phase]])} vs ceiling ${Math.round(best.ceiling[phase][HEADLINE[phase]])}`);
  }
  return best;
}

let cluster;
try {
  log(`preparing the workload for ${n} features`);
  const workloadFile = join(work, 'workload.json');
  writeFileSync(workloadFile, JSON.stringify(makeWorkload(n, seed)));

  const database = join(work, 'routeguide.db');
  let storage = `sqlite:${database}`;
  if (values.postgres) {
    const binaries = findPostgresBinaries();
    if (binaries === undefined) throw new Error(`--postgres: no initdb found; ${INSTALL_HINT}`);
    cluster = await startCluster(binaries);
    storage = cluster.url('postgres');
  }
  log(`seeding ${storage.split(':')[0]} with routeguide seed --synthetic`);
  const seedOut = await run(['bin/routeguide.js', 'seed', '--storage', storage, '--synthetic', String(n), '--random-seed', String(seed)]);
  const seedMatch = /(\d+) read in ([\d.]+) s/.exec(seedOut);
  const seeding = { features: Number(seedMatch[1]), seconds: Number(seedMatch[2]), perSecond: Number(seedMatch[1]) / Number(seedMatch[2]) };
  let raw;
  let indexMemory;
  if (everything) {
    log('raw better-sqlite3 insert of the same rows');
    raw = JSON.parse(await run(['bench/raw-insert.js', join(work, 'raw.db'), String(n), String(seed)]));
    log('index bytes per feature');
    indexMemory = JSON.parse(await run(['--expose-gc', 'bench/index-memory.js', database]));
  }

  log('starting routeguide serve');
  const projectServer = await startServer(
    ['bin/routeguide.js', 'serve', '--storage', storage, '--port', '0', '--log-level', 'warn', '--shutdown-grace', '1'],
  );
  const projectRssAtListening = rssMiB(projectServer.child.pid);
  log(`routeguide serve listening after ${projectServer.startupSeconds.toFixed(2)} s, RSS ${projectRssAtListening.toFixed(0)} MiB`);
  log('starting the ceiling server');
  const ceilingServer = await startServer(['bench/ceiling-server.js']);
  const ceilingRssAtListening = rssMiB(ceilingServer.child.pid);
  let best;
  let projectRssAfterLoad;
  let ceilingRssAfterLoad;
  try {
    best = await driveBoth(projectServer, ceilingServer, workloadFile);
  } finally {
    projectRssAfterLoad = rssMiB(projectServer.child.pid);
    ceilingRssAfterLoad = rssMiB(ceilingServer.child.pid);
    await Promise.all([stop(projectServer.child), stop(ceilingServer.child)]);
  }
  let liveLoad;
  if (everything) {
    log(`live load: ${n} more features into the index while it serves (bench/live-load.js)`);
    liveLoad = JSON.parse(
      await run(['--expose-gc', 'bench/live-load.js', '--database', database, '--base', String(n), '--add', String(n), '--random-seed', String(seed)]),
    );
  }
  const project = {
    ...best.project,
    startup: { seconds: projectServer.startupSeconds },
    memory: { rssAtListeningMiB: projectRssAtListening, rssAfterLoadMiB: projectRssAfterLoad },
  };
  const ceiling = {
    ...best.ceiling,
    startup: { seconds: ceilingServer.startupSeconds },
    memory: { rssAtListeningMiB: ceilingRssAtListening, rssAfterLoadMiB: ceilingRssAfterLoad },
  };

  // Each row with what it needs measured: the phases driven, and (`all`) the measurements --only skips.
  const driven = new Set(PHASES);
  const allRows = [
    [['getFeature'], () => ['GetFeature calls/s', project.getFeature.callsPerSecond, ceiling.getFeature.callsPerSecond, 'ratio >= 0.9']],
    [['getFeature'], () => ['GetFeature p50 ms', project.getFeature.p50Ms, ceiling.getFeature.p50Ms]],
    [['getFeature'], () => ['GetFeature p99 ms', project.getFeature.p99Ms, ceiling.getFeature.p99Ms]],
    [['nearest'], () => ['NearestFeatures k=10 from random points calls/s (ceiling: a canned answer)', project.nearest.callsPerSecond, ceiling.nearest.callsPerSecond]],
    [['nearest'], () => ['NearestFeatures k=10 p50 ms', project.nearest.p50Ms, ceiling.nearest.p50Ms]],
    [['nearest', 'getFeature'], () => ['NearestFeatures calls/s / the ceiling\'s GetFeature calls/s, x', project.nearest.callsPerSecond / ceiling.getFeature.callsPerSecond, undefined, '>= 0.8x']],
    [['listSmall'], () => [`ListFeatures small (~${Math.round(project.listSmall.meanHits)} hits) queries/s`, project.listSmall.queriesPerSecond, ceiling.listSmall.queriesPerSecond, 'ratio >= 0.8']],
    [['listSmall'], () => ['ListFeatures small features/s', project.listSmall.featuresPerSecond, ceiling.listSmall.featuresPerSecond]],
    [['listLarge'], () => [`ListFeatures large (~${Math.round(project.listLarge.meanHits)} hits) features/s`, project.listLarge.featuresPerSecond, ceiling.listLarge.featuresPerSecond]],
    [['listFull'], () => [`ListFeatures full stream (${project.listFull.features}) features/s`, project.listFull.featuresPerSecond, ceiling.listFull.featuresPerSecond]],
    [['exportFull'], () => [`ExportFeatures full stream (${project.exportFull.features}, decoded) features/s`, project.exportFull.featuresPerSecond, ceiling.exportFull.featuresPerSecond]],
    [['exportFull', 'listFull'], () => ['ExportFeatures / our ListFeatures full stream, x', project.exportFull.featuresPerSecond / project.listFull.featuresPerSecond, undefined, '>= 4x']],
    [['recordRoute'], () => ['RecordRoute points/s', project.recordRoute.pointsPerSecond, ceiling.recordRoute.pointsPerSecond]],
    [['routeChat'], () => ['RouteChat notes/s (stored durably vs discarded)', project.routeChat.notesPerSecond, ceiling.routeChat.notesPerSecond, values.postgres ? 'ratio >= 0.2 (PostgreSQL)' : 'ratio >= 0.5']],
    [['all'], () => ['Seeding features/s (vs raw better-sqlite3 insert)', seeding.perSecond, raw.perSecond, 'ratio >= 0.7']],
    [[], () => [`Start-up s to listening (${n} features)`, project.startup.seconds, ceiling.startup.seconds, '<= 3 s']],
    [[], () => ['RSS MiB at listening', project.memory.rssAtListeningMiB, ceiling.memory.rssAtListeningMiB]],
    [[], () => ['RSS MiB after the load', project.memory.rssAfterLoadMiB, ceiling.memory.rssAfterLoadMiB, '<= 300 MiB']],
    [['all'], () => ['Index bytes per feature', indexMemory.bytesPerFeature, undefined]],
    [['all'], () => [`Live intake of ${liveLoad.index.added} features into ${n}, in process, s (vs rbush's bulk load of all, as at start-up)`, liveLoad.index.intakeSeconds, liveLoad.index.bulkLoadSeconds]],
    [['all'], () => ['Longest event-loop gap during that intake, ms (vs an idle second on this machine)', liveLoad.index.longestTurnMs, liveLoad.index.idleLongestTurnMs, '<= 100 ms']],
    [['all'], () => [`Longest GetFeature/ListFeatures call while the server takes in a seed of ${n}, ms (vs a quiet window)`, liveLoad.served.intake.longestMs, liveLoad.served.quiet.longestMs, '<= 100 ms']],
    [['all'], () => ['Longest such pause while the seed process runs, ms (vs a quiet window)', liveLoad.served.seeding.longestMs, liveLoad.served.quiet.longestMs]],
    [['all'], () => ['Seed visible on the server after its commit, s', liveLoad.served.visibleAfterCommitSeconds, undefined, '<= 2 s + intake']],
  ];
  const rows = allRows
    .filter(([needs]) => needs.every((need) => (need === 'all' ? everything : driven.has(need))))
    .map(([, row]) => row());
  const format = (value) => (value === undefined ? '-' : value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2));
  const table = [
    '| Figure | routeguide | ceiling | ratio | target |',
    '| --- | ---: | ---: | ---: | --- |',
    ...rows.map(([label, mine, theirs, target]) =>
      `| ${label} | ${format(mine)} | ${format(theirs)} | ${theirs ? (mine / theirs).toFixed(2) + 'x' : '-'} | ${target ?? ''} |`),
  ].join('\n');
  const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, ${process.platform}`;
  process.stdout.write(`\nrouteguide bench${everything ? '' : ` (only ${PHASES.join(', ')})`} on ${values.postgres ? 'PostgreSQL' : 'SQLite'}: ${n} features, ${concurrency} calls in flight, best of ${rounds} rounds of ${seconds} s per phase; ${machine}\n\n${table}\n`);

  const results = { when: new Date().toISOString(), machine, storage: values.postgres ? 'postgres' : 'sqlite', n, seconds, rounds, concurrency, seed, phases: PHASES, seeding, rawInsert: raw, indexMemory, liveLoad, project, ceiling, table };
  const resultsDir = join(root, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `bench-${results.when.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(`\nwrote ${file}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
  cluster?.stop();
}
