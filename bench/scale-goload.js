// Drives a server with goload (../shared/tools/goload), the Go load client that is faster than the
// servers it measures, pinned to a core of its own when there are two to split, and reads the
// client's own CPU time over the load (from /proc) beside the server's (goload's -pid), so that a
// reader sees which side was the limit.
import { processCpuSeconds } from './goload.js';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** The build script of the shared goload. */
export const GOLOAD_BUILD = '/work/shared/tools/goload/build.sh';

/** Core 0 for the server under measurement, core 1 for its load, when there are two cores to split. */
export const PINNED = cpus().length >= 2 && existsSync('/usr/bin/taskset');
export const SERVER_CORE = 0;
export const CLIENT_CORE = 1;

/** `command` with `args`, run on `core` when pinning (taskset execs it: the pid is the command's). */
export function onCore(core, command, args) {
  return PINNED ? ['/usr/bin/taskset', ['-c', String(core), command, ...args]] : [command, args];
}

/** goload at `path`, built there with the shared build script when it is missing. */
export function ensureGoload(path) {
  if (!existsSync(path)) {
    if (!existsSync(GOLOAD_BUILD)) throw new Error(`goload is missing at ${path} and ${GOLOAD_BUILD} does not exist`);
    execFileSync(GOLOAD_BUILD, [path], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return path;
}

/** How often goload's own CPU time is read. */
const CLIENT_SAMPLE_MS = 100;

/**
 * The client's CPU share of a core over its load alone: goload first reads its points file and
 * connects (a second or more of CPU for 1M points), so its CPU time is sampled along the way, and the
 * share is taken over the last `loadSeconds` before its final sample.
 */
function loadShare(samples, loadSeconds) {
  const last = samples.at(-1);
  if (last === undefined) return undefined;
  const from = last.at - loadSeconds;
  const first = samples.find((sample) => sample.at >= from) ?? samples[0];
  return first === last ? undefined : (last.cpu - first.cpu) / (last.at - first.at);
}

/**
 * One goload run: `rpc` against `target` for `seconds` with `concurrency` calls in flight, points
 * from `db`, the server's CPU read from `pid`; `extra` are more goload flags (-rect, -md, -limit,
 * -conns). Resolves with goload's figures plus the client's CPU share of one core and the server's.
 */
export async function goload(binary, { target, rpc, seconds, concurrency = 64, db, pid, extra = [] }) {
  const args = ['-target', target, '-rpc', rpc, '-s', String(seconds), '-c', String(concurrency), ...(db ? ['-db', db] : []), ...(pid ? ['-pid', String(pid)] : []), ...extra];
  const [command, commandArgs] = onCore(CLIENT_CORE, binary, args);
  // taskset execs goload: the child's pid is goload's.
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
  const samples = [];
  const sample = () => {
    const cpu = processCpuSeconds(child.pid);
    if (cpu !== undefined) samples.push({ at: performance.now() / 1000, cpu });
  };
  const sampler = setInterval(sample, CLIENT_SAMPLE_MS);
  let out = '';
  child.stdout.on('data', (chunk) => {
    // goload prints its one line when the load is over: that is the load's end.
    sample();
    out += chunk;
  });
  const [code] = await once(child, 'exit');
  clearInterval(sampler);
  if (code !== 0) throw new Error(`goload ${args.join(' ')} exited with ${code}`);
  const figures = JSON.parse(out.trim().split('\n').pop());
  return {
    rpc,
    callsPerSecond: figures.ops_per_s,
    itemsPerSecond: figures.items_per_s,
    itemsPerCall: figures.ops > 0 ? figures.items / figures.ops : 0,
    p50Ms: figures.p50_ms,
    p99Ms: figures.p99_ms,
    errors: figures.errors,
    firstError: figures.first_error,
    seconds: figures.seconds,
    // Shares of one core over the load: near 1 is the side that was the limit.
    serverCpuShare: figures.server_cpu_s === undefined ? undefined : figures.server_cpu_s / figures.seconds,
    clientCpuShare: loadShare(samples, figures.seconds),
    serverCpuMicrosPerCall: figures.server_cpu_us_per_op,
  };
}
