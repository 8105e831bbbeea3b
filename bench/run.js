// `npm run bench`: seeds N synthetic features, then measures the project's server and a bare grpc-js
// ceiling server in turn with the same load from a separate client process: goload (bench/goload.js,
// built from ../shared/tools/goload at bench time) for every gRPC phase, the bench's own client for
// Connect. Prints a table and writes bench/results/bench-<time>.json. Needs `npm run build` first.
// Options: --n N (default 1000000), --seconds S per phase and round (default 5), --rounds R (default 2),
// --concurrency C (default 64), --random-seed S, --notes M (default 1000000: notes stored before the
// RouteChat phase, see bench/route-chat-phase.js), --chat-rounds R (default 3: RouteChat's figures
// are medians), --goload DIR (goload's sources), --only PHASE[,PHASE...] (or --phases; drive only these
// phases, e.g. `--only routeChat`, and skip the imports, raw-insert, index-memory and live-load
// measurements; the server is still seeded with N features), --imports json,csv,geojson (the file
// formats to import beside --synthetic; `none` for none).
// With 2 or more cores and taskset, each server runs alone on core 0 and the load client on core 1,
// and the server's CPU time per call (utime + stime from /proc/PID/stat) is read over each phase,
// beside the client's (bench/goload.js), so that a reader sees which side was the limit.
// --postgres: serve from a throwaway PostgreSQL cluster with its default settings (fsync and
// synchronous_commit on) instead of SQLite; needs --only, since the imports, raw-insert, index-memory
// and live-load parts are SQLite's (`npm run bench:live-load -- --postgres` has that one).
// Issue 20's targets at 10M and 100M features (seeding, the index file, start-up, memory, --workers 4,
// calls/s against the ceiling with goload) are `npm run bench:scale` (bench/index-scale.js), which
// takes about an hour at 100M and is not run from here.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
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
    phases: { type: 'string' },
    imports: { type: 'string', default: 'json,csv,geojson' },
    postgres: { type: 'boolean', default: false },
    notes: { type: 'string', default: '1000000' },
    'chat-rounds': { type: 'string', default: '3' },
    goload: { type: 'string' },
  },
});
const n = Number(values.n);
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const seed = Number(values['random-seed']);
const rounds = Number(values.rounds);
const preloadedNotes = Number(values.notes);
const chatRounds = Number(values['chat-rounds']);
if (!existsSync(join(root, 'dist/cli/main.js'))) {
  console.error('bench: dist/ is missing; run `npm run build` first');
  process.exit(1);
}

const { makeWorkload } = await import('./workload.js');
const { CLIENT_PINNING, PINNED, SERVER_CORE, buildGoload, findGoloadSources, onCore, runClient, runGoload } = await import('./goload.js');
const { driveRouteChat } = await import('./route-chat-phase.js');
const { goloadPhase, writeGoloadFiles } = await import('./grpc-phases.js');
const { resultTable } = await import('./result-table.js');
const { writeFeatureFile } = await import('./feature-files.js');
const importFormats = values.imports === 'none' ? [] : values.imports.split(',');
const { findPostgresBinaries, INSTALL_HINT, startCluster } = await import('../scripts/postgres-cluster.js');
const work = mkdtempSync(join(tmpdir(), 'routeguide-bench-'));
/** Other work on the machine skews every figure: the table says how busy it was. */
const loadBefore = loadavg().map((each) => each.toFixed(2)).join(' ');
const log = (line) => process.stderr.write(`bench: ${line}\n`);

/** The command that runs node with `args`, on `core` when pinning. taskset execs node: the pid is node's. */
function nodeOn(core, args) {
  return onCore(core, process.execPath, args);
}

/** A process's CPU time so far, user plus system, in seconds. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The fields after the command name (which may hold spaces), from field 3 on: utime is 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;

/** Runs a node script to completion; resolves with its stdout. */
async function run(args, options = {}) {
  const [command, commandArgs] = options.core === undefined ? [process.execPath, args] : nodeOn(options.core, args);
  const child = spawn(command, commandArgs, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`${args.join(' ')} exited with ${code}`);
  return out;
}

/** Starts a server process and resolves once it prints `listening on HOST:PORT` (and its HTTP address, if any). */
async function startServer(args) {
  const started = performance.now();
  const [command, commandArgs] = nodeOn(SERVER_CORE, args);
  const child = spawn(command, commandArgs, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const target = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /^listening on (\S+)\n/m.exec(out);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code} before listening`)));
  });
  const httpTarget = /^http listening on (\S+)\n/m.exec(out)?.[1];
  return { child, target, httpTarget, startupSeconds: (performance.now() - started) / 1000 };
}

function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

/** `routeguide seed` into `storage` (a storage URL): its features/s (from its own summary line) and peak RSS. */
async function seedWith(storage, args) {
  const rssFile = join(work, 'seed-peak-rss');
  const time = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', '%M', '-o', rssFile] : [];
  const command = [...time, process.execPath, 'bin/routeguide.js', 'seed', '--storage', storage, ...args];
  const child = spawn(command[0], command.slice(1), { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`routeguide seed ${args.join(' ')} exited with ${code}`);
  const match = /(\d+) read in ([\d.]+) s/.exec(out);
  const features = Number(match[1]);
  const seconds = Number(match[2]);
  const peakRssMiB = time.length > 0 ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) / 1024 : undefined;
  return { features, seconds, perSecond: features / seconds, peakRssMiB };
}

async function stop(child) {
  child.kill('SIGTERM');
  await once(child, 'exit');
}

const ALL_PHASES = ['getFeature', 'nearest', 'listSmall', 'listLarge', 'listFull', 'exportFull', 'recordRoute', 'routeChat'];
/** The phases to drive: all, or those --only (--phases) names (case aside). */
const phaseList = values.only ?? values.phases;
const PHASES = phaseList === undefined ? ALL_PHASES : phaseList.split(',').map((name) => {
  const phase = ALL_PHASES.find((known) => known.toLowerCase() === name.trim().toLowerCase());
  if (phase === undefined) {
    console.error(`bench: invalid --only phase "${name}": must be one of ${ALL_PHASES.join(', ')}`);
    process.exit(2);
  }
  return phase;
});
const everything = phaseList === undefined;
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

/** What a phase's server CPU time is divided by: calls, or points for RecordRoute. */
const CPU_UNITS = { getFeature: 'calls', recordRoute: 'points' };

/** The goload binary and its points files, made once the phases are known to need them. */
let goload;

/** goload against `server` with `args`: its result, with the server's CPU over the load window (goload reads /proc for -pid). */
function driveGoload(server, args, target = server.target) {
  return runGoload(goload.binary, ['-target', target, '-s', String(seconds), '-pid', String(server.child.pid), ...args], {
    ...CLIENT_PINNING,
  });
}

async function drivePhase(server, workloadFile, phase, target = server.target) {
  if (phase === 'connectGetFeature') {
    // Connect keeps the bench's own client (node).
    const cpuBefore = cpuSeconds(server.child.pid);
    const started = performance.now();
    const { out, cpuOver } = await runClient(process.execPath, ['bench/load-client.js', target, workloadFile, phase, String(seconds), String(concurrency)], {
      ...CLIENT_PINNING,
    });
    const figures = JSON.parse(out);
    const serverCpuSeconds = cpuSeconds(server.child.pid) - cpuBefore;
    return {
      ...figures,
      ...cpuOver(seconds),
      serverCpuSeconds,
      serverCpuShare: serverCpuSeconds / ((performance.now() - started) / 1000),
      serverCpuMicrosPerUnit: (serverCpuSeconds * 1e6) / figures.calls,
    };
  }
  const [args, figuresOf] = goloadPhase(phase, goload);
  const result = await driveGoload(server, args, target);
  const figures = figuresOf(result);
  const units = figures[CPU_UNITS[phase]];
  return {
    ...figures,
    serverCpuSeconds: result.server_cpu_s,
    serverCpuShare: result.server_cpu_s / result.seconds,
    clientCpuShare: result.clientCpuShare,
    clientCoreBusy: result.clientCoreBusy,
    ...(units ? { serverCpuMicrosPerUnit: (result.server_cpu_s * 1e6) / units } : {}),
  };
}

/**
 * GetFeature over the project's two doors, gRPC and Connect JSON over HTTP/1.1, alternating which
 * goes first over `rounds` rounds and keeping each one's best, so that their ratio comes from one run.
 */
async function driveDoors(project, workloadFile) {
  const best = {};
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? ['getFeature', 'connectGetFeature'] : ['connectGetFeature', 'getFeature'];
    for (const phase of order) {
      const figures = await drivePhase(project, workloadFile, phase, phase === 'connectGetFeature' ? project.httpTarget : project.target);
      if (!best[phase] || figures.callsPerSecond > best[phase].callsPerSecond) best[phase] = figures;
    }
  }
  log(`GetFeature over Connect JSON: ${Math.round(best.connectGetFeature.callsPerSecond)} vs gRPC ${Math.round(best.getFeature.callsPerSecond)} calls/s`);
  return { connect: best.connectGetFeature, grpc: best.getFeature };
}

/**
 * Drives the two servers one at a time, phase by phase, alternating which goes first over `rounds`
 * rounds and keeping each one's best round: other work on a shared machine then skews both alike.
 */
async function driveBoth(project, ceiling, workloadFile) {
  const best = { project: {}, ceiling: {} };
  for (const phase of PHASES.filter((each) => each !== 'routeChat')) {
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ['project', 'ceiling'] : ['ceiling', 'project'];
      for (const name of order) {
        const figures = await drivePhase(name === 'project' ? project : ceiling, workloadFile, phase);
        const key = HEADLINE[phase];
        if (!best[name][phase] || figures[key] > best[name][phase][key]) best[name][phase] = { ...figures, leastCpuMicrosPerUnit: best[name][phase]?.leastCpuMicrosPerUnit };
        // The CPU figure is each server's least over the rounds: other work can only add to it.
        const perUnit = figures.serverCpuMicrosPerUnit;
        if (perUnit !== undefined) best[name][phase].leastCpuMicrosPerUnit = Math.min(best[name][phase].leastCpuMicrosPerUnit ?? Infinity, perUnit);
      }
    }
    const cpu = best.project[phase].leastCpuMicrosPerUnit;
    log(
      `${phase}: ${Math.round(best.project[phase][HEADLINE[phase]])} vs ceiling ${Math.round(best.ceiling[phase][HEADLINE[phase]])}` +
        (cpu === undefined ? '' : `; server CPU µs per ${CPU_UNITS[phase].slice(0, -1)}: ${cpu.toFixed(1)} vs ceiling ${best.ceiling[phase].leastCpuMicrosPerUnit.toFixed(1)}`),
    );
  }
  return best;
}

let cluster;
try {
  log(`preparing the workload for ${n} features`);
  const workloadFile = join(work, 'workload.json');
  const workload = makeWorkload(n, seed);
  writeFileSync(workloadFile, JSON.stringify(workload));
  const goloadSources = findGoloadSources(root, values.goload);
  if (goloadSources === undefined) {
    throw new Error('goload not found: pass --goload DIR (its sources, with build.sh), or put them at ../shared/tools/goload beside this checkout');
  }
  log(`building goload from ${goloadSources}`);
  goload = { binary: await buildGoload(goloadSources, join(work, 'goload')), workload, files: writeGoloadFiles(work, workload), concurrency };

  const database = join(work, 'routeguide.db');
  let storage = `sqlite:${database}`;
  if (values.postgres) {
    const binaries = findPostgresBinaries();
    if (binaries === undefined) throw new Error(`--postgres: no initdb found; ${INSTALL_HINT}`);
    cluster = await startCluster(binaries);
    storage = cluster.url('postgres');
  }
  log(`seeding ${storage.split(':')[0]} with routeguide seed --synthetic`);
  const seeding = await seedWith(storage, ['--synthetic', String(n), '--random-seed', String(seed)]);
  const imports = {};
  let raw;
  let indexMemory;
  if (everything) {
    for (const format of importFormats) {
      const file = join(work, `features.${format}`);
      log(`writing ${n} features as ${format}`);
      await writeFeatureFile(file, format, n, seed);
      log(`importing ${file} (${(statSync(file).size / 1e6).toFixed(0)} MB) with routeguide seed`);
      const into = join(work, `import-${format}.db`);
      imports[format] = await seedWith(`sqlite:${into}`, [file]);
      rmSync(file);
      for (const suffix of ['', '-wal', '-shm']) rmSync(into + suffix, { force: true });
    }
    log('raw better-sqlite3 insert of the same rows');
    raw = JSON.parse(await run(['bench/raw-insert.js', join(work, 'raw.db'), String(n), String(seed)]));
    log('index bytes per feature');
    indexMemory = JSON.parse(await run(['--expose-gc', 'bench/index-memory.js', database]));
  }

  let notesPreloaded;
  if (PHASES.includes('routeChat') && preloadedNotes > 0) {
    log(`storing ${preloadedNotes} notes first, through addNotes (bench/preload-notes.js)`);
    notesPreloaded = JSON.parse(await run(['bench/preload-notes.js', storage, String(preloadedNotes), String(seed)]));
    log(`stored ${preloadedNotes} notes in ${notesPreloaded.seconds.toFixed(1)} s`);
  }

  log('starting routeguide serve');
  // Started as the README's production command and `npm start` start it, with their V8 flag.
  const projectServer = await startServer(
    ['--max-semi-space-size=4', 'bin/routeguide.js', 'serve', '--storage', storage, '--port', '0', '--http-port', '0', '--log-level', 'warn', '--shutdown-grace', '1'],
  );
  const projectRssAtListening = rssMiB(projectServer.child.pid);
  log(`routeguide serve listening after ${projectServer.startupSeconds.toFixed(2)} s, RSS ${projectRssAtListening.toFixed(0)} MiB`);
  log('starting the ceiling server');
  const ceilingServer = await startServer(['bench/ceiling-server.js']);
  const ceilingRssAtListening = rssMiB(ceilingServer.child.pid);
  let best;
  let doors;
  let chat;
  let projectRssAfterLoad;
  let ceilingRssAfterLoad;
  try {
    best = await driveBoth(projectServer, ceilingServer, workloadFile);
    if (PHASES.includes('getFeature')) doors = await driveDoors(projectServer, workloadFile);
    if (PHASES.includes('routeChat')) {
      chat = await driveRouteChat({
        work,
        n,
        seed,
        seconds,
        rounds: chatRounds,
        servers: { project: projectServer, ceiling: ceilingServer },
        drive: driveGoload,
        log,
      });
    }
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
    doors,
    startup: { seconds: projectServer.startupSeconds },
    memory: { rssAtListeningMiB: projectRssAtListening, rssAfterLoadMiB: projectRssAfterLoad },
  };
  const ceiling = {
    ...best.ceiling,
    startup: { seconds: ceilingServer.startupSeconds },
    memory: { rssAtListeningMiB: ceilingRssAtListening, rssAfterLoadMiB: ceilingRssAfterLoad },
  };

  const table = resultTable({ project, ceiling, doors, chat, seeding, raw, imports, importFormats, indexMemory, liveLoad, n, driven: new Set(PHASES), everything });
  const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, ${process.platform}`;
  process.stdout.write(`\nrouteguide bench${everything ? '' : ` (only ${PHASES.join(', ')})`} on ${values.postgres ? 'PostgreSQL' : 'SQLite'}: ${n} features, ${concurrency} calls in flight, best of ${rounds} rounds of ${seconds} s per phase (RouteChat: median of ${chatRounds}, ${preloadedNotes} notes stored first); load client goload (Connect: node); ${PINNED ? 'servers on core 0, load client on core 1' : 'not pinned'}; ${machine}; load average before: ${loadBefore}, after: ${loadavg().map((each) => each.toFixed(2)).join(' ')}\n\n${table}\n`);

  const results = { when: new Date().toISOString(), machine, storage: values.postgres ? 'postgres' : 'sqlite', n, seconds, rounds, chatRounds, concurrency, seed, pinned: PINNED, phases: PHASES, seeding, imports, rawInsert: raw, indexMemory, liveLoad, notesPreloaded, project, ceiling, routeChat: chat, table };
  const resultsDir = join(root, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `bench-${results.when.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(`\nwrote ${file}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
  cluster?.stop();
}
