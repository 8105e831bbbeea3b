import { randomBytes } from 'node:crypto';
import { link, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

/**
 * Replacing a file whole, so that a reader (or a process that maps it) sees the old file or the new
 * one and never a mix, and one writer at a time.
 *
 * A write goes to a temporary file beside the target, named `PATH.tmp-PID-RANDOM`, which is renamed
 * over PATH once it is on disk. A writer killed half-way leaves the old file and that temporary;
 * `removeStaleTemporaries` deletes the temporaries of writers that are gone. Writers agree through a
 * lock file holding the holder's pid and host.
 */

/** Temporaries this process is writing now: never stale, whatever their pid says. */
const writing = new Set<string>();
/** Lock files this process holds. */
const held = new Set<string>();

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** Whether a process of this host with this pid is running (another user's process counts). */
function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

/** Makes a rename or an unlink in the directory durable. */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes a new file at `path` through `write`, given the descriptor of a temporary file in the same
 * directory (open for reading too, so a writer may read back what it wrote), then fsyncs it, renames it over `path` and fsyncs the directory. On any failure the
 * temporary file is removed and the error rethrown; `path` is then as it was.
 */
export async function writeFileAtomically(path: string, write: (fd: number) => Promise<void> | void): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  writing.add(temporary);
  try {
    const handle = await open(temporary, 'wx+', 0o644);
    try {
      await write(handle.fd);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    // The caller hears of the write's failure, not the clean-up's; a temporary left is stale later.
    await rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  } finally {
    writing.delete(temporary);
  }
  await syncDirectory(dirname(path));
}

/**
 * Deletes the temporaries a writer of `path` left when it died half-way (`PATH.tmp-PID-*` whose pid
 * is no longer running on this host). Call it while holding the writers' lock: a temporary of a
 * writer on another host sharing the directory would look stale here. Returns the paths deleted.
 */
export async function removeStaleTemporaries(path: string): Promise<string[]> {
  const directory = dirname(path);
  const prefix = `${basename(path)}.tmp-`;
  const removed: string[] = [];
  for (const name of await readdir(directory)) {
    if (!name.startsWith(prefix)) continue;
    const match = /^(\d+)-[0-9a-f]+$/.exec(name.slice(prefix.length));
    const temporary = join(directory, name);
    if (match === null || writing.has(temporary)) continue;
    const pid = Number(match[1]);
    if (pid !== process.pid && isRunning(pid)) continue;
    await rm(temporary, { force: true });
    removed.push(temporary);
  }
  return removed;
}

export interface FileLock {
  /** Removes the lock file, if it is still this holder's. */
  release(): Promise<void>;
}

interface Holder {
  readonly text: string;
  readonly inode: number;
  readonly stale: boolean;
}

/** Who holds the lock at `lockPath`, or undefined when there is no lock file. */
async function readHolder(lockPath: string): Promise<Holder | undefined> {
  let handle;
  try {
    handle = await open(lockPath, 'r');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const { ino } = await handle.stat();
    const text = await handle.readFile('utf8');
    const match = /^(\d+)\n(.*)\n$/.exec(text);
    // The lock file is made whole by link(2), so a text that does not parse is not a holder's.
    const stale = match === null || (match[2] === hostname() && (Number(match[1]) === process.pid ? !held.has(lockPath) : !isRunning(Number(match[1]))));
    return { text, inode: ino, stale };
  } finally {
    await handle.close();
  }
}

/** Creates the lock file with this process's pid and host, whole, unless a lock file exists. */
async function tryCreate(lockPath: string, text: string): Promise<boolean> {
  const draft = `${lockPath}.draft-${process.pid}-${randomBytes(6).toString('hex')}`;
  await writeFile(draft, text, { flag: 'wx' });
  try {
    await link(draft, lockPath);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(draft);
  }
}

/**
 * Removes a stale lock file, unless another process took it over since it was read: the file is
 * first moved aside (only one process can move a given file), then checked to be the one read, and
 * put back when it is not.
 */
async function removeStale(lockPath: string, stale: Holder): Promise<void> {
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    await rename(lockPath, aside);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return;
    throw error;
  }
  if ((await stat(aside)).ino !== stale.inode) {
    await link(aside, lockPath).catch((error: unknown) => {
      if (errorCode(error) !== 'EEXIST') throw error;
    });
  }
  await unlink(aside);
}

/**
 * Takes the lock at `lockPath` (a file created exclusively, holding this process's pid and host), or
 * returns undefined when a running process holds it. A lock whose holder is no longer running on
 * this host is stale and taken over.
 */
export async function acquireFileLock(lockPath: string): Promise<FileLock | undefined> {
  const text = `${process.pid}\n${hostname()}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await tryCreate(lockPath, text)) {
      held.add(lockPath);
      return {
        release: async () => {
          if (!held.delete(lockPath)) return;
          const holder = await readHolder(lockPath);
          if (holder?.text === text) await unlink(lockPath);
        },
      };
    }
    const holder = await readHolder(lockPath);
    if (holder !== undefined && !holder.stale) return undefined;
    if (holder !== undefined) await removeStale(lockPath, holder);
  }
  return undefined;
}
