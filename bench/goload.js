// The bench's gRPC load client: goload (../shared/tools/goload, Go, outside this project), built at
// bench time, never copied in. A grpc-js client on one core cannot push the bare grpc-js ceiling as
// hard as it goes (about 90,000 RouteChat notes/s against goload's 165,000-220,000), so every ratio
// to the ceiling came out too kind. runGoload also reads the client's own CPU use from /proc, so that
// a reader sees which side was the limit.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';

/** Core 0 for the server under measurement, core 1 for its load, when there are two cores to split. */
export const PINNED = cpus().length >= 2 && existsSync('/usr/bin/taskset');
export const SERVER_CORE = 0;
export const CLIENT_CORE = 1;

/** `command` with `args`, run on `core` when pinning (taskset execs it: the pid is the command's). */
export function onCore(core, command, args) {
  return PINNED ? ['/usr/bin/taskset', ['-c', String(core), command, ...args]] : [command, args];
}

/** runClient's options for a load client on the client core (none when not pinning). */
export const CLIENT_PINNING = PINNED ? { pin: ['/usr/bin/taskset', '-c', String(CLIENT_CORE)], core: CLIENT_CORE } : {};

/** Where goload's sources are: --goload DIR, else ../shared/tools/goload from the checkout (or its parent). */
export function findGoloadSources(root, given) {
  const candidates = given ? [resolve(given)] : [join(root, '../shared/tools/goload'), join(root, '../../shared/tools/goload')];
  return candidates.find((directory) => existsSync(join(directory, 'build.sh')));
}

/**
 * goload at `output`, built there with its own build.sh (Debian's Go and grpc-go) from `sources`
 * unless it is there already; resolves with the binary's path.
 */
export async function buildGoload(sources, output) {
  if (existsSync(output)) return output;
  if (sources === undefined) throw new Error(`goload is missing at ${output}, and its sources (../shared/tools/goload, or --goload-sources DIR) were not found`);
  const child = spawn('bash', [join(sources, 'build.sh'), output], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  const [code] = await once(child, 'exit');
  if (code !== 0 || !existsSync(output)) throw new Error(`building goload with ${join(sources, 'build.sh')} failed (exit ${code})`);
  return out.trim().split('\n').pop() || output;
}

const CLOCK_TICKS = 100;
/** A process's CPU time so far (user + system), in seconds; undefined once it is gone. */
export function processCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** One core's busy and total time so far, in clock ticks, from /proc/stat. */
function coreTicks(core) {
  const line = readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .find((each) => each.startsWith(`cpu${core} `));
  if (line === undefined) return undefined;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** The sample closest to `time` at or after it. */
function sampleAt(samples, time) {
  return samples.find((sample) => sample.time >= time) ?? samples.at(-1);
}

/**
 * Runs a load client (`command` and `args`, pinned with `pin`, e.g. ['taskset', '-c', '1']) to its
 * end, sampling its CPU time and its core's (`core`) every 50 ms. Resolves with its stdout and
 * `cpuOver(seconds)`: over the last `seconds` of its life (its load; it reads its input and warms
 * up first), `clientCpuShare`, its own CPU time as a share of one core, and `clientCoreBusy`, how
 * busy its core was, whatever ran there.
 */
export async function runClient(command, args, { pin = [], core } = {}) {
  const [executable, ...rest] = [...pin, command, ...args];
  const child = spawn(executable, rest, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  const samples = [];
  const sample = () => {
    const cpu = processCpuSeconds(child.pid);
    if (cpu === undefined) return;
    samples.push({ time: performance.now() / 1000, cpu, core: core === undefined ? undefined : coreTicks(core) });
  };
  sample();
  const timer = setInterval(sample, 50);
  const [code] = await once(child, 'exit');
  clearInterval(timer);
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}`);
  const cpuOver = (seconds) => {
    const last = samples.at(-1);
    const first = sampleAt(samples, last.time - seconds);
    const window = last.time - first.time;
    const coreTotal = last.core && first.core ? last.core.total - first.core.total : 0;
    return {
      clientCpuShare: window > 0 ? (last.cpu - first.cpu) / window : undefined,
      clientCoreBusy: coreTotal > 0 ? (last.core.busy - first.core.busy) / coreTotal : undefined,
    };
  };
  return { out, cpuOver };
}

/** Runs goload (see runClient) and resolves with its JSON line, the client's CPU over its load beside it. */
export async function runGoload(binary, args, options) {
  const { out, cpuOver } = await runClient(binary, args, options);
  const result = JSON.parse(out.trim().split('\n').pop());
  if (result.errors > 0) throw new Error(`goload ${args.join(' ')}: ${result.errors} calls failed, first: ${result.first_error}`);
  return { ...result, ...cpuOver(result.seconds) };
}

/**
 * One goload run on the client core: `rpc` against `target` for `seconds` with `concurrency` calls
 * in flight, points from `db`, the server's CPU read from `pid`; `extra` are more goload flags
 * (-rect, -md, -limit, -conns). Resolves with goload's figures under readable names, the client's
 * and the server's CPU shares of one core beside them (near 1 is the side that was the limit).
 */
export async function goload(binary, { target, rpc, seconds, concurrency = 64, db, pid, extra = [] }) {
  const args = ['-target', target, '-rpc', rpc, '-s', String(seconds), '-c', String(concurrency), ...(db ? ['-db', db] : []), ...(pid ? ['-pid', String(pid)] : []), ...extra];
  const figures = await runGoload(binary, args, CLIENT_PINNING);
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
    serverCpuShare: figures.server_cpu_s === undefined ? undefined : figures.server_cpu_s / figures.seconds,
    clientCpuShare: figures.clientCpuShare,
    serverCpuMicrosPerCall: figures.server_cpu_us_per_op,
  };
}
