// The bench's gRPC phases but RouteChat (route-chat-phase.js) as goload runs them: its arguments,
// its points files, and the figures taken from its result.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Points as goload reads them (-db): route_guide_db.json's shape, the location alone. */
export function writeGoloadPoints(file, points) {
  writeFileSync(file, `[${points.map(({ latitude, longitude }) => `{"location":{"latitude":${latitude},"longitude":${longitude}}}`).join(',\n')}]\n`);
  return file;
}

/** The points files of the bench's workload (bench/workload.js). */
export function writeGoloadFiles(work, workload) {
  return {
    // Feature points: goload moves half its picks one E7 unit north, which misses, as the workload did.
    features: writeGoloadPoints(join(work, 'goload-features.json'), workload.points.filter((_, i) => i % 2 === 0)),
    nearest: writeGoloadPoints(join(work, 'goload-nearest.json'), workload.nearest),
    points: writeGoloadPoints(join(work, 'goload-points.json'), workload.points),
  };
}

/** RecordRoute's points a call. */
const ROUTE_POINTS = 1000;
/** ExportFeatures' client raises its HTTP/2 flow-control windows from 64 KiB (any client can). */
const EXPORT_WINDOW_BYTES = 8 * 1024 * 1024;
const rectangleArgument = ({ lo, hi }) => `${lo.latitude},${lo.longitude},${hi.latitude},${hi.longitude}`;

/** goload's arguments for each gRPC phase but RouteChat (route-chat-phase.js), and its figures from goload's result. */
export function goloadPhase(phase, { files, workload, concurrency }) {
  const list = ({ rectangle, hits }, calls) => ['-rpc', 'list', '-rect', rectangleArgument(rectangle), '-md', `bench-hits=${hits}`, '-c', String(calls)];
  const unary = (result) => ({ calls: result.ops, callsPerSecond: result.ops_per_s, p50Ms: result.p50_ms, p99Ms: result.p99_ms });
  const stream = (result) => ({ queriesPerSecond: result.ops_per_s, featuresPerSecond: result.items_per_s, meanHits: result.items / result.ops, features: result.items / result.ops });
  switch (phase) {
    case 'getFeature':
      return [['-rpc', 'get', '-db', files.features, '-c', String(concurrency)], unary];
    case 'nearest':
      return [['-rpc', 'nearest', '-db', files.nearest, '-limit', '10', '-c', String(concurrency)], unary];
    // One rectangle each: goload sends one, and the ceiling streams as many features as its metadata says.
    case 'listSmall':
      return [list(workload.small[0], concurrency), stream];
    case 'listLarge':
      return [list(workload.large[0], Math.min(concurrency, 8)), stream];
    case 'listFull':
      return [list(workload.full, 1), stream];
    case 'exportFull':
      return [['-rpc', 'export', '-rect', rectangleArgument(workload.full.rectangle), '-md', `bench-hits=${workload.full.hits}`, '-c', '1', '-window', String(EXPORT_WINDOW_BYTES)], stream];
    case 'recordRoute':
      return [
        ['-rpc', 'record', '-db', files.points, '-points', String(ROUTE_POINTS), '-c', String(Math.min(concurrency, 16))],
        (result) => ({ points: result.ops * ROUTE_POINTS, pointsPerSecond: result.sent_per_s }),
      ];
    default:
      throw new Error(`no goload phase ${phase}`);
  }
}

