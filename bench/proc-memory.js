// A process's memory as Linux reports it, for the benches: /proc/PID/status (VmRSS, RssAnon,
// RssFile, VmHWM), /proc/PID/smaps_rollup (Pss and its anonymous and file-backed parts), the peak
// reset through /proc/PID/clear_refs, a process's children, and a sampler that keeps the peaks.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const MiB = 1024;

/** The `Key:   N kB` lines of a /proc file, in MiB, by key. */
function kiBFields(text) {
  const fields = {};
  for (const match of text.matchAll(/^(\w+):\s+(\d+) kB$/gm)) fields[match[1]] = Number(match[2]) / MiB;
  return fields;
}

/** VmRSS, RssAnon, RssFile, RssShmem and VmHWM (the peak RSS) of `pid`, in MiB; undefined once it has exited. */
export function memoryStatus(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const { VmRSS, RssAnon, RssFile, RssShmem, VmHWM } = kiBFields(text);
  return { rssMiB: VmRSS, rssAnonMiB: RssAnon, rssFileMiB: RssFile, rssShmemMiB: RssShmem, peakRssMiB: VmHWM };
}

/** Pss (proportional set size: shared pages split between the processes that map them) and its parts, in MiB. */
export function pss(pid) {
  const { Rss, Pss, Pss_Anon, Pss_File, Pss_Shmem } = kiBFields(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
  return { rssMiB: Rss, pssMiB: Pss, pssAnonMiB: Pss_Anon, pssFileMiB: Pss_File, pssShmemMiB: Pss_Shmem };
}

/** Resets `pid`'s VmHWM to its current RSS (Linux 4.0 on; needs the right to write its clear_refs). */
export function resetPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** The ids of the processes whose parent is `pid`. */
export function childrenOf(pid) {
  const children = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4, after the command name (which may hold spaces and parentheses).
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === pid) children.push(Number(entry));
    } catch {
      // Exited while listed.
    }
  }
  return children;
}

/**
 * Samples `pid`'s status every `intervalMs`, keeping each segment's peaks: VmRSS and RssAnon as
 * sampled, and VmHWM, which also catches a peak between samples; and a series of [seconds into the
 * segment, VmRSS, RssAnon] once a second. `split(name)` closes the segment
 * so far (its VmHWM read at once) and resets the peak for the next; `stop()` closes the last one and
 * returns every segment's figures.
 */
export function sampleMemory(pid, intervalMs = 200) {
  const segments = [];
  const fresh = (name) => ({ name, startedAt: performance.now(), samples: 0, rssMiB: 0, rssAnonMiB: 0, peakRssMiB: 0, series: [] });
  let current = fresh('start');
  const take = () => {
    const status = memoryStatus(pid);
    if (status === undefined) return;
    // One sample a second kept as it was, to see when a peak came.
    if (current.samples % Math.round(1000 / intervalMs) === 0) {
      current.series.push([Math.round(performance.now() - current.startedAt) / 1000, Math.round(status.rssMiB), Math.round(status.rssAnonMiB)]);
    }
    current.samples++;
    current.rssMiB = Math.max(current.rssMiB, status.rssMiB);
    current.rssAnonMiB = Math.max(current.rssAnonMiB, status.rssAnonMiB);
    current.peakRssMiB = Math.max(current.peakRssMiB, status.peakRssMiB);
  };
  const timer = setInterval(take, intervalMs);
  const close = () => {
    take();
    segments.push({ ...current, seconds: (performance.now() - current.startedAt) / 1000 });
  };
  take();
  return {
    /** Ends the segment so far (named `name` when given) and starts the next, named `next`. */
    split(name, next) {
      if (name !== undefined) current.name = name;
      close();
      const peakReset = resetPeak(pid);
      current = { ...fresh(next), peakReset };
      take();
    },
    stop() {
      clearInterval(timer);
      close();
      return segments.map(({ startedAt, ...segment }) => segment);
    },
  };
}
