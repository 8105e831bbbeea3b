// `routeguide seed --synthetic N` into SQLite, measured from outside for bench/index-scale.js: the
// whole process's time, the import's own rate (its summary line) and its rate along the way (from
// the progress lines, window by window), and memory in two parts split at the stderr line
// `bringing the index file ... up to date`: the import's peak (VmHWM read at that line) and the
// index file build's (VmHWM reset there, then sampled every 200 ms with VmRSS and RssAnon). The
// disk's free space is sampled too, for the most the seed held on disk at once.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { sampleMemory } from './proc-memory.js';

const PROGRESS = /^(seeding|writing): ([\d,]+) features?, ([\d,]+) features\/s/;
const INDEX_STARTS = /^bringing the index file .* up to date$/;
const INDEX_BUILT = /^(built|merged the import into) the index file .* in ([\d.]+) s$/;
const SORTING = /^sorting /;

function freeBytes(directory) {
  const stats = statfsSync(directory);
  return stats.bavail * stats.bsize;
}

/** The rate between each two progress lines of one label: [{ from, to, perSecond }]. */
function windows(lines) {
  const found = [];
  for (let i = 1; i < lines.length; i++) {
    const [before, after] = [lines[i - 1], lines[i]];
    found.push({ from: before.count, to: after.count, perSecond: (after.count - before.count) / (after.at - before.at) });
  }
  return found;
}

/** The window whose span holds `count` (else the nearest one), or undefined when there is none. */
function windowAt(found, count) {
  if (found.length === 0) return undefined;
  return found.find((w) => w.from <= count && count <= w.to) ?? found.reduce((best, w) => (Math.abs(w.to - count) < Math.abs(best.to - count) ? w : best));
}

/**
 * Seeds `n` synthetic features (seed `randomSeed`) into the SQLite database `database`, from the
 * checkout `root`; `atCounts` are the counts whose progress rates are reported (e.g. 10M and 100M).
 */
export async function measuredSeed({ root, database, n, randomSeed, atCounts, log }) {
  const started = performance.now();
  const since = () => (performance.now() - started) / 1000;
  const args = ['bin/routeguide.js', 'seed', '--storage', `sqlite:${database}`, '--synthetic', String(n), '--random-seed', String(randomSeed)];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const memory = sampleMemory(child.pid);
  const freeAtStart = freeBytes(dirname(database));
  let leastFree = freeAtStart;
  const disk = setInterval(() => (leastFree = Math.min(leastFree, freeBytes(dirname(database)))), 1000);
  const progress = { seeding: [], writing: [] };
  const marks = {};
  let indexBuildSeconds;
  let out = '';
  let pending = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    pending += chunk;
    let newline;
    while ((newline = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      const at = since();
      const match = PROGRESS.exec(line);
      if (match) {
        progress[match[1]].push({ at, count: Number(match[2].replaceAll(',', '')), averagePerSecond: Number(match[3].replaceAll(',', '')) });
        if (progress[match[1]].length % 12 === 1) log(`  ${line}`);
        continue;
      }
      log(`  ${line}`);
      if (SORTING.test(line)) marks.sortingAt = at;
      if (INDEX_STARTS.test(line)) {
        marks.indexAt = at;
        memory.split('import', 'index build');
      }
      const built = INDEX_BUILT.exec(line);
      if (built) indexBuildSeconds = Number(built[2]);
    }
  });
  const [code] = await once(child, 'exit');
  const wholeSeconds = since();
  clearInterval(disk);
  const segments = memory.stop();
  if (code !== 0) throw new Error(`routeguide seed exited with ${code}`);
  const summary = /(\d+) read in ([\d.]+) s/.exec(out);
  if (summary === null) throw new Error(`routeguide seed printed no summary: ${out}`);
  const importSeconds = Number(summary[2]);
  const segment = (name) => segments.find((s) => s.name === name);
  const staging = windows(progress.seeding);
  const writing = windows(progress.writing);
  const lastWriting = progress.writing.at(-1);
  // The copy's own time, from its last progress line's average (the line is every 5 s).
  const writingSeconds = lastWriting ? n / lastWriting.averagePerSecond : undefined;
  return {
    n,
    wholeSeconds,
    perSecondOverall: n / wholeSeconds,
    importSeconds,
    importPerSecond: n / importSeconds,
    stagingSeconds: marks.sortingAt,
    sortAndCopySeconds: marks.sortingAt !== undefined && marks.indexAt !== undefined ? marks.indexAt - marks.sortingAt : undefined,
    copySeconds: writingSeconds,
    indexBuildSeconds,
    indexPhaseSeconds: marks.indexAt !== undefined ? wholeSeconds - marks.indexAt : undefined,
    importPeak: segment('import'),
    indexBuildPeak: segment('index build'),
    // The most the seed added to the disk at once (database, its WAL, SQLite's temporary files,
    // the index file being written); other processes' writes meanwhile count too.
    diskPeakBytes: freeAtStart - leastFree,
    stagingRates: Object.fromEntries(atCounts.map((count) => [count, windowAt(staging, count)])),
    writingRates: Object.fromEntries(atCounts.map((count) => [count, windowAt(writing, count)])),
    progress,
  };
}
