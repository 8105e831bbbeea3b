// The bench's RouteChat phase: goload streams 100 notes a call at 8 and at 64 calls in flight, in
// two workloads, on a server whose storage already holds many notes (bench/preload-notes.js):
// - fresh locations: every note at a point no note was stored at before (a new points file of 1M
//   random points each round; goload also moves half of its picks one E7 unit north, which stays
//   fresh), so replays stay near zero (a few notes land on a point picked twice in the round);
// - random feature points: notes at 100,000 feature points (fewer when N is too small) not used in
//   an earlier round, and at the points one E7 unit north of them, so replays come from the round's
//   own notes and do not grow from round to round.
// goload's own -fresh is not used: its sequence of points starts over every run, so each round
// would replay the notes of the rounds before it.
// Each figure is the median of the rounds; the ceiling runs the same rounds, alternating first.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createRandom, syntheticFeatures } from '../dist/feature-files/synthetic-features.js';
import { writeGoloadPoints as writePoints } from './grpc-phases.js';

export const CHAT_STREAMS = [8, 64];
export const CHAT_WORKLOADS = ['fresh', 'features'];
/** Notes a RouteChat call sends: goload's default. */
const NOTES_PER_CALL = 100;
const FRESH_POINTS_PER_ROUND = 1_000_000;
const FEATURE_POINTS_PER_ROUND = 100_000;

/** Points files for the rounds: fresh ones at random (even latitudes, so a pick moved north stays fresh), feature points never reused. */
function createPointFiles(work, n, seed, rounds) {
  // Enough feature points for every round of both stream counts, none used twice.
  const featurePointsPerRound = Math.min(FEATURE_POINTS_PER_ROUND, Math.floor(n / (CHAT_STREAMS.length * rounds)));
  const random = createRandom(seed + 4000);
  let features;
  const unused = [];
  let files = 0;
  return {
    fresh() {
      const points = Array.from({ length: FRESH_POINTS_PER_ROUND }, () => ({
        latitude: Math.floor(random() * 899_999_999) * 2 - 899_999_998,
        longitude: Math.floor(random() * 3_599_999_999) - 1_799_999_999,
      }));
      const file = join(work, `chat-points-${files++}.json`);
      writePoints(file, points);
      return file;
    },
    features() {
      if (features === undefined) {
        features = [...syntheticFeatures(n, seed)];
        // A shuffled order of the features: each round takes the next ones.
        for (let i = 0; i < features.length; i++) unused.push(i);
        for (let i = unused.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [unused[i], unused[j]] = [unused[j], unused[i]];
        }
      }
      const count = Math.min(featurePointsPerRound, unused.length);
      if (count === 0) throw new Error('the RouteChat phase ran out of feature points not used before; seed more features');
      const file = join(work, `chat-points-${files++}.json`);
      writePoints(file, unused.splice(0, count).map((index) => features[index]));
      return file;
    },
  };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** One goload RouteChat round's figures. */
function chatFigures(result) {
  const notes = result.ops * NOTES_PER_CALL;
  return {
    notesPerSecond: result.sent_per_s,
    serverCpuMicrosPerNote: (result.server_cpu_s * 1e6) / notes,
    serverCpuShare: result.server_cpu_s / result.seconds,
    clientCpuShare: result.clientCpuShare,
    clientCoreBusy: result.clientCoreBusy,
    replaysPerSecond: result.items_per_s,
    p99Ms: result.p99_ms,
  };
}

/** The median of each figure over the rounds, and the rounds themselves. */
function summarize(rounds) {
  const summary = { rounds };
  for (const key of Object.keys(rounds[0])) summary[key] = median(rounds.map((round) => round[key]));
  return summary;
}

/**
 * Drives both servers through every workload and stream count, `rounds` rounds each. `drive(server,
 * args)` runs goload against a server with these extra arguments and resolves with its result.
 * Resolves with { project, ceiling }, each keyed `${workload}${streams}` (e.g. fresh8, features64).
 */
export async function driveRouteChat({ work, n, seed, seconds, rounds, servers, drive, log }) {
  const files = createPointFiles(work, n, seed, rounds);
  const results = { project: {}, ceiling: {} };
  for (const workload of CHAT_WORKLOADS) {
    for (const streams of CHAT_STREAMS) {
      const key = `${workload}${streams}`;
      const measured = { project: [], ceiling: [] };
      for (let round = 0; round < rounds; round++) {
        const points = files[workload]();
        const order = round % 2 === 0 ? ['project', 'ceiling'] : ['ceiling', 'project'];
        for (const name of order) {
          const result = await drive(servers[name], ['-rpc', 'chat', '-db', points, '-c', String(streams), '-s', String(seconds), '-points', String(NOTES_PER_CALL)]);
          measured[name].push(chatFigures(result));
        }
        rmSync(points);
      }
      for (const name of ['project', 'ceiling']) results[name][key] = summarize(measured[name]);
      const ours = results.project[key];
      log(
        `RouteChat ${workload === 'fresh' ? 'fresh locations' : 'random feature points'}, ${streams} streams: ` +
          `${Math.round(ours.notesPerSecond)} notes/s at ${ours.serverCpuMicrosPerNote.toFixed(1)} µs a note (median of ${rounds}) ` +
          `vs ceiling ${Math.round(results.ceiling[key].notesPerSecond)}`,
      );
    }
  }
  return results;
}
