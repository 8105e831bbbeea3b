// `npm run bench:workers`: GetFeature calls/s from `routeguide serve --workers 1` and `--workers 2` on
// the same SQLite file, in the same run, and their ratio. The load comes from a separate client
// process (bench/load-client.js) over --channels HTTP/2 connections (default 4, at least as many as
// workers: node:cluster hands each connection to one worker). Needs `npm run build` first.
// Options: --n N features (default 1000000), --seconds S per round (default 5), --rounds R
// (default 3), --concurrency C calls in flight (default 64), --channels K (default 4), --random-seed S.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { root, runNode, startServer, stopServer } from './child-processes.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000000' },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '64' },
    channels: { type: 'string', default: '4' },
    'random-seed': { type: 'string', default: '1' },
  },
});
const n = Number(values.n);
const seed = Number(values['random-seed']);
const rounds = Number(values.rounds);
const channels = Number(values.channels);
if (!existsSync(join(root, 'dist/cli/main.js'))) {
  console.error('bench: dist/ is missing; run `npm run build` first');
  process.exit(1);
}
if (channels < 2) {
  console.error('bench: --channels must be at least 2, as many as the most workers measured');
  process.exit(1);
}

const { makeWorkload } = await import('./workload.js');
const work = mkdtempSync(join(tmpdir(), 'routeguide-bench-workers-'));
const log = (line) => process.stderr.write(`bench: ${line}\n`);

/** Starts `routeguide serve --workers W` and resolves once it prints `listening on HOST:PORT`. */
async function startWorkers(database, workers) {
  const args = ['bin/routeguide.js', 'serve', '--storage', `sqlite:${database}`, '--port', '0', '--workers', String(workers), '--log-level', 'warn', '--shutdown-grace', '1'];
  return { ...(await startServer(args)), workers };
}

try {
  log(`preparing the workload for ${n} features`);
  const workloadFile = join(work, 'workload.json');
  writeFileSync(workloadFile, JSON.stringify(makeWorkload(n, seed)));
  const database = join(work, 'routeguide.db');
  log('seeding with routeguide seed --synthetic');
  await runNode(['bin/routeguide.js', 'seed', '--storage', `sqlite:${database}`, '--synthetic', String(n), '--random-seed', String(seed)]);

  const servers = [];
  for (const workers of [1, 2]) {
    servers.push(await startWorkers(database, workers));
    log(`--workers ${workers} listening after ${servers.at(-1).startupSeconds.toFixed(2)} s`);
  }
  const best = {};
  const all = { 1: [], 2: [] };
  try {
    // Alternate which goes first, and keep each one's best round: other work on a shared machine
    // then skews both alike.
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? servers : [...servers].reverse();
      for (const server of order) {
        const figures = JSON.parse(
          await runNode(['bench/load-client.js', server.target, workloadFile, 'getFeature', values.seconds, values.concurrency, String(channels)]),
        );
        all[server.workers].push(Math.round(figures.callsPerSecond));
        if (!best[server.workers] || figures.callsPerSecond > best[server.workers].callsPerSecond) best[server.workers] = figures;
      }
      log(`round ${round + 1}: 1 worker ${all[1].at(-1)} calls/s, 2 workers ${all[2].at(-1)} calls/s`);
    }
  } finally {
    await Promise.all(servers.map(({ child }) => stopServer(child)));
  }

  const ratio = best[2].callsPerSecond / best[1].callsPerSecond;
  const format = (value) => (value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2));
  const table = [
    '| Figure | --workers 1 | --workers 2 | ratio |',
    '| --- | ---: | ---: | ---: |',
    `| GetFeature calls/s | ${format(best[1].callsPerSecond)} | ${format(best[2].callsPerSecond)} | ${ratio.toFixed(2)}x |`,
    `| GetFeature p50 ms | ${format(best[1].p50Ms)} | ${format(best[2].p50Ms)} | ${(best[2].p50Ms / best[1].p50Ms).toFixed(2)}x |`,
    `| GetFeature p99 ms | ${format(best[1].p99Ms)} | ${format(best[2].p99Ms)} | ${(best[2].p99Ms / best[1].p99Ms).toFixed(2)}x |`,
    `| Start-up s to listening | ${format(servers[0].startupSeconds)} | ${format(servers[1].startupSeconds)} | |`,
  ].join('\n');
  const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}; availableParallelism ${availableParallelism()}), Node ${process.version}, ${process.platform}`;
  const load = loadavg().map((value) => value.toFixed(2)).join(' ');
  process.stdout.write(
    `\nrouteguide bench:workers: ${n} features, ${values.concurrency} calls in flight over ${channels} connections, best of ${rounds} rounds of ${values.seconds} s; ${machine}; load average at the end ${load}\n\n${table}\n\nevery round (calls/s): 1 worker ${all[1].join(', ')}; 2 workers ${all[2].join(', ')}\n`,
  );
  const results = { when: new Date().toISOString(), machine, loadAverage: load, n, seed, rounds, channels, concurrency: Number(values.concurrency), best, all, ratio, table };
  const resultsDir = join(root, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `bench-workers-${results.when.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(`\nwrote ${file}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
