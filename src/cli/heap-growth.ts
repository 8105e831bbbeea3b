import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past the live heap before its next full collection, in
 * percent, for `routeguide serve`. V8's own factor is up to 4x on a machine with this much memory:
 * at 1M features (about 45-60 MiB live) the server's heap grew to 134-173 MiB, mostly garbage, under
 * the bench's load, RSS 270-342 MiB. At 50% it stayed at 67-81 MiB, RSS 185-210 MiB, for a few more
 * full collections (2-6 per 8 s of load instead of 0-2). See docs/performance.md.
 */
export const HEAP_GROWING_PERCENT = 50;

/**
 * Caps the old generation's growth at HEAP_GROWING_PERCENT, unless node's command line sets
 * --heap-growing-percent itself. V8 reads this flag whenever it sizes the heap after a collection,
 * so setting it at run time works; NODE_OPTIONS cannot carry it (node refuses the flag there).
 */
export function capHeapGrowth(execArgv: readonly string[] = process.execArgv, setFlags: (flags: string) => void = setFlagsFromString): void {
  if (execArgv.some((argument) => /^--heap[-_]growing[-_]percent(=|$)/.test(argument))) return;
  setFlags(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
