// bench/index-scale.js's table: each figure beside issue 20's target for it, and whether it is met
// (and when not, by how much).

const M = 1_000_000;
const MiB = 2 ** 20;

function format(value) {
  if (value === undefined || Number.isNaN(value)) return '-';
  return Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}

function label(n) {
  return n >= M ? `${n / M}M` : n.toLocaleString('en-US');
}

/** `value` against `limit`: at most (`<=`) or at least (`>=`). */
function verdict(value, op, limit) {
  if (value === undefined || Number.isNaN(value)) return 'not measured';
  const met = op === '<=' ? value <= limit : value >= limit;
  if (met) return 'met';
  const off = op === '<=' ? (value - limit) / limit : (limit - value) / limit;
  return `NOT met: ${op === '<=' ? 'over' : 'short'} by ${(off * 100).toFixed(0)}%`;
}

/** The start-up target for `n` features: 3 s at 1M, 2 s at 10M, 10 s at 100M (none elsewhere). */
const STARTUP_TARGETS = { [M]: 3, [10 * M]: 2, [100 * M]: 10 };

function ratio(a, b) {
  return a !== undefined && b ? a / b : undefined;
}

export function scaleTable(results) {
  const rows = [];
  const row = (figure, n, value, op, limit, unit = '') => {
    const target = op === undefined ? '' : `${op} ${format(limit)}${unit}`;
    rows.push(`| ${figure} | ${label(n)} | ${format(value)} | ${target} | ${op === undefined ? '' : verdict(value, op, limit)} |`);
  };
  /** A row of several figures, shown as `shown` says, with no target. */
  const text = (figure, n, shown) => rows.push(`| ${figure} | ${label(n)} | ${shown} | | |`);
  const runs = Object.values(results.runs);
  for (const run of runs) {
    const { n, seed } = run;
    if (seed === undefined) continue;
    row('Seed: whole process, s', n, seed.wholeSeconds, n === 100 * M ? '<=' : undefined, 1200);
    row('Seed: features/s, whole process', n, seed.perSecondOverall);
    row('Seed: features/s, the import alone (its summary line)', n, seed.importPerSecond);
    text('Seed: staging, s / sort and copy, s / index file, s', n, `${format(seed.stagingSeconds)} / ${format(seed.sortAndCopySeconds)} / ${format(seed.indexPhaseSeconds)}`);
    row('Seed: the import\'s peak RSS, MiB (VmHWM at the index line)', n, seed.importPeak?.peakRssMiB, '<=', 300);
    row('Seed: the index build\'s peak RSS, MiB (VmHWM reset there)', n, seed.indexBuildPeak?.peakRssMiB, '<=', 3072);
    row('Seed: the index build\'s peak RssAnon, MiB (sampled every 200 ms)', n, seed.indexBuildPeak?.rssAnonMiB);
    row('Seed: most disk in use at once, GB (whole machine)', n, seed.diskPeakBytes / 1e9);
    if (run.databaseBytes !== undefined) row('Database, MB', n, run.databaseBytes / 1e6);
    if (run.indexFile) {
      row('Index file, MB', n, run.indexFile.bytes / 1e6);
      row('Index file bytes a feature, besides the names\' UTF-8', n, run.indexFile.bytesPerFeatureWithoutNames, '<=', 40);
      row('Index file: names\' UTF-8 bytes a feature', n, run.indexFile.nameBytesPerFeature);
    }
    if (run.startup) {
      const target = STARTUP_TARGETS[n];
      row('Start-up to listening, warm page cache, s (median of 3)', n, run.startup.warmMedianSeconds, target ? '<=' : undefined, target);
      row('Start-up to listening, cold page cache, s', n, run.startup.cold?.seconds);
      const warm = (key) => format(median(run.startup.warm.map((w) => w[key])));
      text('Start-up, warm, s: spawn to `storage open` / to `index loaded` / to listening (medians, from its log)', n, `${warm('toStorageOpenSeconds')} / ${warm('storageOpenToIndexLoadedSeconds')} / ${warm('indexLoadedToListeningSeconds')}`);
      text('Start-up, cold, s: the same parts', n, `${format(run.startup.cold?.toStorageOpenSeconds)} / ${format(run.startup.cold?.storageOpenToIndexLoadedSeconds)} / ${format(run.startup.cold?.indexLoadedToListeningSeconds)}`);
      if (run.startup.parts) {
        text('Start-path costs on their own, warm, s: `PRAGMA quick_check` / CRC-32 of the index file', n, `${format(run.startup.parts.quickCheckSeconds)} / ${format(run.startup.parts.indexFileCrcSeconds)}`);
      }
    }
    if (run.mixedLoad) {
      const { atStart, afterLoad } = run.mixedLoad;
      row('RssAnon after start, MiB', n, atStart.rssAnonMiB, n === 100 * M ? '<=' : undefined, 400);
      row('RssAnon after a minute of mixed load, MiB', n, afterLoad.rssAnonMiB, n === 100 * M ? '<=' : undefined, 400);
      row('VmRSS after a minute of mixed load, MiB', n, afterLoad.rssMiB, n === M ? '<=' : undefined, 300);
      for (const [part, figures] of Object.entries(run.mixedLoad.parts)) {
        text(`Mixed load ${part}: calls/s (server CPU / client CPU of a core)`, n, `${format(figures.callsPerSecond)} (${share(figures.serverCpuShare)} / ${share(figures.clientCpuShare)})`);
      }
    }
    if (run.workers) {
      row(`--workers 4: summed Pss after start, MiB (budget: the file + 4 x 300 MiB)`, n, run.workers.afterStart.sumPssMiB, '<=', run.workers.budgetMiB);
      row(`--workers 4: summed Pss after 20 s of get and nearest, MiB`, n, run.workers.afterLoad.sumPssMiB, '<=', run.workers.budgetMiB);
    }
    if (run.ceiling) {
      const { project, ceiling } = run.ceiling;
      const versus = (name, mine, theirs, limit) => {
        row(`${name}: ratio to the ceiling`, n, ratio(mine.callsPerSecond, theirs.callsPerSecond), '>=', limit, 'x');
        text(`${name}: calls/s, ours vs the ceiling's`, n, `${format(mine.callsPerSecond)} vs ${format(theirs.callsPerSecond)}`);
        text(`${name}: CPU of a core, ours server / client; ceiling server / client`, n, `${share(mine.serverCpuShare)} / ${share(mine.clientCpuShare)}; ${share(theirs.serverCpuShare)} / ${share(theirs.clientCpuShare)}`);
        // When other work shares the server's core, neither server saturates it: CPU a call still compares.
        text(`${name}: server CPU µs a call, ours vs the ceiling's (the ceiling's / ours)`, n, `${format(mine.serverCpuMicrosPerCall)} vs ${format(theirs.serverCpuMicrosPerCall)} (${format(ratio(theirs.serverCpuMicrosPerCall, mine.serverCpuMicrosPerCall))}x)`);
      };
      versus('GetFeature', project.get, ceiling.get, 0.9);
      versus(`ListFeatures, small rectangle (${run.rectangle.hits} features)`, project.list, ceiling.list, 0.8);
      versus('NearestFeatures k=10 against the ceiling\'s GetFeature', project.nearest, ceiling.get, 0.8);
    }
  }
  const at10 = results.runs[10 * M]?.seed;
  const largest = runs.at(-1);
  if (at10 && largest.n > 10 * M && largest.seed) {
    row(`Seed: features/s at ${label(largest.n)} / at 10M, whole process, same run`, largest.n, ratio(largest.seed.perSecondOverall, at10.perSecondOverall), '>=', 0.8, 'x');
  }
  if (largest?.seed && largest.n >= 100 * M) {
    const { stagingRates, writingRates } = largest.seed;
    row('Seed: staging rate near 100M / near 10M, same process', largest.n, ratio(stagingRates[100 * M]?.perSecond, stagingRates[10 * M]?.perSecond), '>=', 0.8, 'x');
    row('Seed: copy rate near 100M / near 10M, same process', largest.n, ratio(writingRates[100 * M]?.perSecond, writingRates[10 * M]?.perSecond), '>=', 0.8, 'x');
  }
  return ['| Figure | N | value | target | verdict |', '| --- | ---: | ---: | --- | --- |', ...rows].join('\n');
}

function share(value) {
  return value === undefined ? '-' : `${Math.round(value * 100)}%`;
}

function median(numbers) {
  const known = numbers.filter((v) => v !== undefined).sort((a, b) => a - b);
  return known.length === 0 ? undefined : known[Math.floor(known.length / 2)];
}
