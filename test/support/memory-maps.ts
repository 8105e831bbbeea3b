import { readFileSync } from 'node:fs';

/**
 * A process's memory as Linux counts it, in bytes. Pss divides each shared page among the processes
 * that map it, so the Pss of several processes adds up to what they use together; RssAnon is the
 * memory that is not file-backed (heaps, and anything read into them).
 */

/** From `/proc/PID/smaps_rollup`: every mapping of the process, summed. */
export interface SmapsRollup {
  readonly rss: number;
  readonly pss: number;
  readonly pssAnon: number;
  readonly pssFile: number;
  readonly pssShmem: number;
  readonly sharedClean: number;
  readonly sharedDirty: number;
  readonly privateClean: number;
  readonly privateDirty: number;
  readonly anonymous: number;
}

/** From `/proc/PID/status`: resident memory by kind. */
export interface StatusMemory {
  readonly vmRss: number;
  readonly rssAnon: number;
  readonly rssFile: number;
  readonly rssShmem: number;
}

/** The `Name: N kB` lines of a /proc file, in bytes by name. */
function kilobyteFields(path: string): Map<string, number> {
  const fields = new Map<string, number>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^(\w+):\s+(\d+) kB$/.exec(line);
    if (match !== null) fields.set(match[1]!, Number(match[2]) * 1024);
  }
  return fields;
}

function field(fields: Map<string, number>, name: string, path: string): number {
  const value = fields.get(name);
  if (value === undefined) throw new Error(`${path} has no ${name} line (Linux 5.x or later is needed)`);
  return value;
}

export function readSmapsRollup(pid: number = process.pid): SmapsRollup {
  const path = `/proc/${pid}/smaps_rollup`;
  const fields = kilobyteFields(path);
  const get = (name: string): number => field(fields, name, path);
  return {
    rss: get('Rss'),
    pss: get('Pss'),
    pssAnon: get('Pss_Anon'),
    pssFile: get('Pss_File'),
    pssShmem: get('Pss_Shmem'),
    sharedClean: get('Shared_Clean'),
    sharedDirty: get('Shared_Dirty'),
    privateClean: get('Private_Clean'),
    privateDirty: get('Private_Dirty'),
    anonymous: get('Anonymous'),
  };
}

export function readStatusMemory(pid: number = process.pid): StatusMemory {
  const path = `/proc/${pid}/status`;
  const fields = kilobyteFields(path);
  const get = (name: string): number => field(fields, name, path);
  return { vmRss: get('VmRSS'), rssAnon: get('RssAnon'), rssFile: get('RssFile'), rssShmem: get('RssShmem') };
}

/** One file's share of a process's memory: its mappings in `/proc/PID/smaps`, summed. */
export interface FileMappings {
  readonly rss: number;
  readonly pss: number;
}

/** What the mappings of the file at `path` (absolute, as the kernel names it) hold in the process `pid`. */
export function readFileMappings(path: string, pid: number = process.pid): FileMappings {
  let rss = 0;
  let pss = 0;
  let inFile = false;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    // A mapping's first line: "start-end perms offset dev inode pathname".
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ [0-9a-f]+ \S+ \d+\s*(.*)$/.exec(line);
    if (header !== null) {
      inFile = header[1] === path;
      continue;
    }
    if (!inFile) continue;
    const match = /^(Rss|Pss):\s+(\d+) kB$/.exec(line);
    if (match?.[1] === 'Rss') rss += Number(match[2]) * 1024;
    if (match?.[1] === 'Pss') pss += Number(match[2]) * 1024;
  }
  return { rss, pss };
}
