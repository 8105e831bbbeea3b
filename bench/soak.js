#!/usr/bin/env node
// Soak test (`npm run soak`, not part of `npm test`): a real `routeguide serve` process on SQLite with
// N synthetic features, under mixed load from this process for a bounded time, all on loopback:
//   - RouteChat streams (default 1000) spread over several connections, each sending a note every 1-3 s;
//   - ListFeatures streams (default 200) over small random rectangles, back to back;
//   - steady GetFeature traffic (default 500 calls/s);
//   - one RecordRoute of many points (default 10,000,000), checked for its count.
// It reports errors by status code, GetFeature p50/p99, throughput, and the server's RSS over time.
// Options: --n 1000000 --duration 180 --chat-streams 1000 --list-streams 200 --connections 16
//          --get-rate 500 --route-points 10000000
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { credentials, status } from '@grpc/grpc-js';
import { RouteGuideClient } from '../dist/gen/grpc-js/route_guide.js';
import { percentile } from './percentile.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000000' },
    duration: { type: 'string', default: '180' },
    'chat-streams': { type: 'string', default: '1000' },
    'list-streams': { type: 'string', default: '200' },
    connections: { type: 'string', default: '16' },
    'get-rate': { type: 'string', default: '500' },
    'route-points': { type: 'string', default: '10000000' },
  },
});
const N = Number(values.n);
const DURATION_S = Number(values.duration);
const CHAT_STREAMS = Number(values['chat-streams']);
const LIST_STREAMS = Number(values['list-streams']);
const CONNECTIONS = Number(values.connections);
const GET_RATE = Number(values['get-rate']);
const ROUTE_POINTS = Number(values['route-points']);
const BIN = new URL('../bin/routeguide.js', import.meta.url).pathname;

const work = mkdtempSync(join(tmpdir(), 'routeguide-soak-'));
const database = join(work, 'soak.db');
const log = (line) => process.stderr.write(`[soak] ${line}\n`);

function rssMiB(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Math.round(Number(line.split(/\s+/)[1]) / 1024);
}

function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--storage', `sqlite:${database}`, '--port', '0', '--log-level', 'warn'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /^listening on (\S+)\n/m.exec(out);
      if (match) resolve({ child, target: match[1] });
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code} before listening`)));
  });
}

const errors = new Map();
function countError(error, where) {
  const key = `${where}: ${status[error.code] ?? error.code ?? error.message}`;
  errors.set(key, (errors.get(key) ?? 0) + 1);
}

async function main() {
  log(`seeding ${N} synthetic features into ${database}`);
  const seeded = spawnSync(process.execPath, [BIN, 'seed', '--storage', `sqlite:${database}`, '--synthetic', String(N)], { stdio: 'inherit' });
  if (seeded.status !== 0) throw new Error('seeding failed');

  // Sample points to query, straight from the database.
  const db = new Database(database, { readonly: true });
  const sample = db.prepare('SELECT latitude, longitude FROM features ORDER BY random() LIMIT 5000').all();
  db.close();

  const server = await startServer();
  const pid = server.child.pid;
  log(`server ${pid} listening on ${server.target}`);
  const clients = Array.from({ length: CONNECTIONS }, () =>
    new RouteGuideClient(server.target, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }),
  );
  const client = (i) => clients[i % CONNECTIONS];
  const pick = () => sample[Math.floor(Math.random() * sample.length)];
  const startedAt = Date.now();
  const until = startedAt + DURATION_S * 1000;
  let running = true;

  const rss = [{ seconds: 0, mib: rssMiB(pid) }];
  const sampler = setInterval(() => rss.push({ seconds: Math.round((Date.now() - startedAt) / 1000), mib: rssMiB(pid) }), 5000);

  // GetFeature at a steady rate, latencies recorded.
  const latencies = [];
  let gets = 0;
  const perTick = Math.max(1, Math.round(GET_RATE / 100));
  const getter = setInterval(() => {
    for (let i = 0; i < perTick; i++) {
      const point = Math.random() < 0.8 ? pick() : { latitude: Math.floor(Math.random() * 1e8), longitude: Math.floor(Math.random() * 1e8) };
      const sent = performance.now();
      client(gets++).getFeature(point, (error) => {
        if (error) countError(error, 'GetFeature');
        else latencies.push(performance.now() - sent);
      });
    }
  }, 10);

  // RouteChat streams, each sending a note every 1-3 s at one of many locations (a few hot ones).
  let notesSent = 0;
  let notesReceived = 0;
  const chats = Array.from({ length: CHAT_STREAMS }, (_, i) =>
    new Promise((resolve) => {
      const call = client(i).routeChat();
      call.on('data', () => notesReceived++);
      call.on('error', (error) => countError(error, 'RouteChat'));
      call.on('status', resolve);
      const send = () => {
        if (!running) return call.end();
        const hot = Math.random() < 0.01;
        const location = hot ? { latitude: 1 + (i % 10), longitude: 1 } : { latitude: 100 + Math.floor(Math.random() * 50_000), longitude: 7 };
        call.write({ location, message: `soak ${i} ${notesSent++}` });
        setTimeout(send, 1000 + Math.random() * 2000);
      };
      setTimeout(send, Math.random() * 1000);
    }),
  );

  // ListFeatures streams over small rectangles around sampled features, back to back.
  let listed = 0;
  let lists = 0;
  const listers = Array.from({ length: LIST_STREAMS }, async (_, i) => {
    while (running) {
      const center = pick();
      const half = 500_000; // 0.05 degrees
      await new Promise((resolve) => {
        const call = client(i).listFeatures({
          lo: { latitude: center.latitude - half, longitude: center.longitude - half },
          hi: { latitude: center.latitude + half, longitude: center.longitude + half },
        });
        call.on('data', () => listed++);
        call.on('error', (error) => {
          countError(error, 'ListFeatures');
          resolve();
        });
        call.on('end', () => {
          lists++;
          resolve();
        });
      });
    }
  });

  // One long RecordRoute; memory must not grow with its length.
  let routeSent = 0;
  const route = new Promise((resolve) => {
    const call = client(0).recordRoute((error, summary) => {
      if (error) countError(error, 'RecordRoute');
      resolve(summary);
    });
    let i = 0;
    const pump = () => {
      while (i < ROUTE_POINTS) {
        const point = sample[i++ % sample.length];
        routeSent = i;
        if (!call.write(point)) return call.once('drain', pump);
      }
      call.end();
    };
    pump();
  });

  const progress = setInterval(() => {
    const last = rss.at(-1);
    log(`${Math.round((Date.now() - startedAt) / 1000)} s: rss ${last.mib} MiB, gets ${latencies.length}, notes ${notesSent}/${notesReceived}, listed ${listed}, route points ${routeSent}, errors ${JSON.stringify(Object.fromEntries(errors))}`);
  }, 15_000);

  await new Promise((resolve) => setTimeout(resolve, Math.max(0, until - Date.now())));
  running = false;
  clearInterval(getter);
  log('load window over; waiting for streams and the route to finish');
  await Promise.all([...chats, ...listers]);
  const routeWaitStarted = Date.now();
  const summary = await route;
  const routeTail = (Date.now() - routeWaitStarted) / 1000;
  clearInterval(progress);
  clearInterval(sampler);
  rss.push({ seconds: Math.round((Date.now() - startedAt) / 1000), mib: rssMiB(pid) });

  for (const c of clients) c.close();
  server.child.kill('SIGTERM');
  const exitCode = await new Promise((resolve) => server.child.on('exit', resolve));

  latencies.sort((a, b) => a - b);
  const warm = rss.filter((r) => r.seconds >= DURATION_S * 0.2);
  const result = {
    machine: `${process.platform} ${process.arch}, ${(await import('node:os')).cpus().length} cores, Node ${process.version}`,
    features: N,
    durationSeconds: DURATION_S,
    chatStreams: CHAT_STREAMS,
    listStreams: LIST_STREAMS,
    connections: CONNECTIONS,
    errors: Object.fromEntries(errors),
    errorCount: [...errors.values()].reduce((a, b) => a + b, 0),
    getFeature: { calls: latencies.length, p50ms: +percentile(latencies, 50).toFixed(2), p99ms: +percentile(latencies, 99).toFixed(2) },
    routeChat: { notesSent, notesReceived },
    listFeatures: { streams: lists, features: listed },
    recordRoute: { secondsAfterLoadWindow: routeTail, pointsSent: ROUTE_POINTS, pointCount: summary?.pointCount ?? null, correct: summary?.pointCount === ROUTE_POINTS },
    rssMiB: { atStart: rss[0].mib, afterWarmUpMin: Math.min(...warm.map((r) => r.mib)), afterWarmUpMax: Math.max(...warm.map((r) => r.mib)), atEnd: rss.at(-1).mib, series: rss },
    serverExitCode: exitCode,
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  const file = new URL(`./results/soak-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url);
  writeFileSync(file, JSON.stringify(result, null, 2));
  console.log(JSON.stringify({ ...result, rssMiB: { ...result.rssMiB, series: undefined } }, null, 2));
  console.log(`RSS over time (s:MiB): ${rss.map((r) => `${r.seconds}:${r.mib}`).join(' ')}`);
  log(`wrote ${file.pathname}`);
  rmSync(work, { recursive: true, force: true });
  if (result.errorCount > 0 || !result.recordRoute.correct || exitCode !== 0) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  rmSync(work, { recursive: true, force: true });
  process.exit(1);
});
