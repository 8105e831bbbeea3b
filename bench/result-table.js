// The bench's table (bench/run.js): a row for each figure, ours beside the ceiling's, with its target
// and, for the phases that drive a server, the CPU of the server's core and the client's.
import { CHAT_STREAMS } from './route-chat-phase.js';

/** Markdown: one row per figure the run measured (`driven`: the phases driven; `everything`: no --only). */
export function resultTable({ project, ceiling, doors, chat, seeding, raw, imports, importFormats, indexMemory, liveLoad, n, driven, everything }) {
  /** Server CPU per unit; its ratio is the ceiling's over ours, so that higher is better as elsewhere. */
  const cpuRow = (method, unit, mine, theirs, target) => [
    `${method} server CPU µs per ${unit} (ratio: the ceiling's / ours)`,
    mine.leastCpuMicrosPerUnit,
    theirs.leastCpuMicrosPerUnit,
    target,
    theirs.leastCpuMicrosPerUnit / mine.leastCpuMicrosPerUnit,
  ];
  /** The CPU column: each side's server core and client core busy, as a share of one core. */
  const share = (value) => (value === undefined ? '-' : `${Math.round(value * 100)}%`);
  const cpuCell = (mine, theirs) =>
    `${share(mine?.serverCpuShare)} / ${share(mine?.clientCpuShare)}` + (theirs ? `; ${share(theirs.serverCpuShare)} / ${share(theirs.clientCpuShare)}` : '');
  const phaseCpu = (phase) => () => cpuCell(project[phase], ceiling[phase]);
  const CHAT_LABELS = { fresh: 'fresh locations', features: 'random feature points (replays)' };
  const CHAT_TARGETS = { fresh: '<= 12 µs', features: '<= 16 µs' };
  const chatRows = CHAT_STREAMS.flatMap((streams) =>
    Object.keys(CHAT_LABELS).flatMap((workload) => {
      const key = `${workload}${streams}`;
      const label = `RouteChat ${CHAT_LABELS[workload]}, ${streams} streams`;
      const cpu = () => cpuCell(chat.project[key], chat.ceiling[key]);
      return [
        [['routeChat'], () => [`${label}: notes/s, median (stored durably vs discarded)`, chat.project[key].notesPerSecond, chat.ceiling[key].notesPerSecond, workload === 'fresh' ? 'goal 0.5x' : undefined], cpu],
        [['routeChat'], () => [`${label}: server CPU µs a note, median (ratio: the ceiling's / ours)`, chat.project[key].serverCpuMicrosPerNote, chat.ceiling[key].serverCpuMicrosPerNote, CHAT_TARGETS[workload], chat.ceiling[key].serverCpuMicrosPerNote / chat.project[key].serverCpuMicrosPerNote], cpu],
        ...(workload === 'features' ? [[['routeChat'], () => [`${label}: replies (earlier notes) sent/s, median`, chat.project[key].replaysPerSecond, undefined]]] : []),
      ];
    }),
  );
  // Each row with what it needs measured (the phases driven, and (`all`) the measurements --only
  // skips), and for a phase's rows its CPU cell.
  const allRows = [
    [['getFeature'], () => ['GetFeature calls/s', project.getFeature.callsPerSecond, ceiling.getFeature.callsPerSecond], phaseCpu('getFeature')],
    [['getFeature'], () => cpuRow('GetFeature', 'call', project.getFeature, ceiling.getFeature, 'ratio >= 0.9')],
    [['getFeature'], () => ['GetFeature p50 ms', project.getFeature.p50Ms, ceiling.getFeature.p50Ms]],
    [['getFeature'], () => ['GetFeature p99 ms', project.getFeature.p99Ms, ceiling.getFeature.p99Ms]],
    [['getFeature'], () => ['GetFeature over Connect JSON, HTTP/1.1 calls/s (beside: our gRPC GetFeature, same rounds)', doors.connect.callsPerSecond, doors.grpc.callsPerSecond, 'ratio >= 0.5'], () => cpuCell(doors.connect, doors.grpc)],
    [['getFeature'], () => ['GetFeature over Connect JSON p50 ms (beside: gRPC)', doors.connect.p50Ms, doors.grpc.p50Ms]],
    [['nearest'], () => ['NearestFeatures k=10 from random points calls/s (ceiling: a canned answer)', project.nearest.callsPerSecond, ceiling.nearest.callsPerSecond], phaseCpu('nearest')],
    [['nearest'], () => ['NearestFeatures k=10 p50 ms', project.nearest.p50Ms, ceiling.nearest.p50Ms]],
    [['nearest', 'getFeature'], () => ['NearestFeatures calls/s / the ceiling\'s GetFeature calls/s, x', project.nearest.callsPerSecond / ceiling.getFeature.callsPerSecond, undefined, '>= 0.8x']],
    [['listSmall'], () => [`ListFeatures small (~${Math.round(project.listSmall.meanHits)} hits) queries/s`, project.listSmall.queriesPerSecond, ceiling.listSmall.queriesPerSecond, 'ratio >= 0.8'], phaseCpu('listSmall')],
    [['listSmall'], () => ['ListFeatures small features/s', project.listSmall.featuresPerSecond, ceiling.listSmall.featuresPerSecond]],
    [['listLarge'], () => [`ListFeatures large (~${Math.round(project.listLarge.meanHits)} hits) features/s`, project.listLarge.featuresPerSecond, ceiling.listLarge.featuresPerSecond], phaseCpu('listLarge')],
    [['listFull'], () => [`ListFeatures full stream (${project.listFull.features}) features/s`, project.listFull.featuresPerSecond, ceiling.listFull.featuresPerSecond], phaseCpu('listFull')],
    [['exportFull'], () => [`ExportFeatures full stream (${project.exportFull.features}, decoded) features/s`, project.exportFull.featuresPerSecond, ceiling.exportFull.featuresPerSecond], phaseCpu('exportFull')],
    [['exportFull', 'listFull'], () => ['ExportFeatures / our ListFeatures full stream, x', project.exportFull.featuresPerSecond / project.listFull.featuresPerSecond, undefined, '>= 4x']],
    [['recordRoute'], () => ['RecordRoute points/s', project.recordRoute.pointsPerSecond, ceiling.recordRoute.pointsPerSecond, 'ratio >= 0.8'], phaseCpu('recordRoute')],
    [['recordRoute'], () => cpuRow('RecordRoute', 'point', project.recordRoute, ceiling.recordRoute)],
    ...chatRows,
    [['all'], () => ['Seeding --synthetic features/s (vs raw better-sqlite3 insert)', seeding.perSecond, raw.perSecond, 'ratio >= 0.7']],
    ...importFormats.map((format) => [['all'], () => [
      `Importing .${format} features/s (vs --synthetic)`,
      imports[format].perSecond,
      seeding.perSecond,
      format === 'json' ? 'ratio >= 0.75' : 'ratio >= 0.6',
    ]]),
    ...importFormats.map((format) => [['all'], () => [`Importing .${format} features/s (vs raw insert)`, imports[format].perSecond, raw.perSecond]]),
    [[], () => ['Seeding --synthetic peak RSS MiB', seeding.peakRssMiB, undefined]],
    ...importFormats.map((format) => [['all'], () => [`Importing .${format} peak RSS MiB`, imports[format].peakRssMiB, undefined, '<= 300 MiB']]),
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
    .map(([, row, cpu]) => [row(), cpu?.()]);
  const format = (value) => (value === undefined ? '-' : value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2));
  const table = [
    '| Figure | routeguide | ceiling | ratio | target | CPU, server core / client core: ours; ceiling |',
    '| --- | ---: | ---: | ---: | --- | --- |',
    ...rows.map(([[label, mine, theirs, target, ratio = theirs ? mine / theirs : undefined], cpu]) =>
      `| ${label} | ${format(mine)} | ${format(theirs)} | ${ratio === undefined || !Number.isFinite(ratio) ? '-' : ratio.toFixed(2) + 'x'} | ${target ?? ''} | ${cpu ?? ''} |`),
  ].join('\n');
  return table;
}
