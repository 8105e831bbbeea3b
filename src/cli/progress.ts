import { plural } from './plural.js';

/** Progress of a long import on stderr: a redrawn bar on a terminal, otherwise a plain line every few seconds. */
export interface Progress {
  /** Call with the running count; cheap enough to call per feature. */
  update(count: number): void;
  /** Like update, for counts that move in large steps (update only looks at every 1024th count). */
  updateStep(count: number): void;
  /** Clears the bar (on a terminal) before the summary is printed. */
  finish(): void;
}

export interface ProgressOptions {
  /** What is being counted, shown before the figures: `seeding` unless given. */
  readonly label?: string;
  /** 0..1, or undefined when the end is unknown. */
  readonly fraction: (count: number) => number | undefined;
  readonly stream?: NodeJS.WriteStream;
  /** Milliseconds between plain lines when not on a terminal. */
  readonly plainIntervalMs?: number;
  readonly now?: () => number;
}

const BAR_WIDTH = 30;
const TERMINAL_INTERVAL_MS = 200;

export function formatRate(perSecond: number): string {
  return Math.round(perSecond).toLocaleString('en-US');
}

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  return `${Math.floor(seconds / 60)}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;
}

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const terminal = stream.isTTY === true;
  const interval = terminal ? TERMINAL_INTERVAL_MS : (options.plainIntervalMs ?? 5000);
  const started = now();
  let next = started + interval;
  let drawn = false;

  function report(count: number): void {
    const elapsed = (now() - started) / 1000;
    const rate = elapsed > 0 ? count / elapsed : 0;
    const fraction = options.fraction(count);
    const eta = fraction !== undefined && fraction > 0 ? formatEta((elapsed * (1 - fraction)) / fraction) : '?';
    const counted = `${plural(count, 'feature', count.toLocaleString('en-US'))}, ${formatRate(rate)} features/s`;
    if (terminal) {
      const filled = Math.round((fraction ?? 0) * BAR_WIDTH);
      const bar = fraction === undefined ? '' : `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% `;
      const label = options.label === undefined ? '' : `${options.label} `;
      stream.write(`\r${label}${bar}${counted}, ETA ${eta}\x1b[K`);
      drawn = true;
    } else {
      const percent = fraction === undefined ? '' : ` (${(fraction * 100).toFixed(0)}%)`;
      stream.write(`${options.label ?? 'seeding'}: ${counted}${percent}, ETA ${eta}\n`);
    }
  }

  function updateStep(count: number): void {
    const time = now();
    if (time < next) return;
    next = time + interval;
    report(count);
  }

  return {
    update(count) {
      // Reading the clock per feature would cost more than the rest of the loop.
      if ((count & 1023) === 0) updateStep(count);
    },
    updateStep,
    finish() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
