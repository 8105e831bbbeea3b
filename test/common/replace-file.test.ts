import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { acquireFileLock, removeStaleTemporaries, writeFileAtomically } from '../../src/common/replace-file.js';
import { ensureBuilt, ROOT } from '../support/build.js';

let directory: string;
let path: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'routeguide-replace-file-'));
  path = join(directory, 'data.index');
});

afterEach(() => rmSync(directory, { recursive: true, force: true }));

function temporaries(): string[] {
  return readdirSync(directory).filter((name) => name.startsWith('data.index.tmp-'));
}

/** The pid of a process that has exited: no process of this host runs under it now. */
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ['-e', '']);
  return pid!;
}

describe('writeFileAtomically', () => {
  it('replaces the file with what write() wrote, through a temporary in the same directory that it leaves behind', async () => {
    writeFileSync(path, 'old');
    let seen: string[] = [];
    await writeFileAtomically(path, (fd) => {
      seen = temporaries();
      writeSync(fd, 'new contents');
    });
    expect(readFileSync(path, 'utf8')).toBe('new contents');
    expect(seen).toEqual([expect.stringMatching(new RegExp(`^data\\.index\\.tmp-${process.pid}-[0-9a-f]+$`))]);
    expect(temporaries()).toEqual([]);
  });

  it('leaves the previous file as it was and removes the temporary when write() fails, rethrowing its error', async () => {
    writeFileSync(path, 'old');
    const failing = writeFileAtomically(path, async (fd) => {
      writeSync(fd, 'half');
      await Promise.resolve();
      throw new Error('disk full');
    });
    await expect(failing).rejects.toThrow('disk full');
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(temporaries()).toEqual([]);
  });
});

describe('removeStaleTemporaries', () => {
  it('keeps the temporaries of running writers, this process\'s own write included, and names the stale ones it deleted', async () => {
    const dead = join(directory, `data.index.tmp-${deadPid()}-0a1b2c`);
    const running = join(directory, `data.index.tmp-${process.ppid}-0a1b2c`);
    const unrelated = join(directory, 'data.index.tmp-notes');
    for (const file of [dead, running, unrelated]) writeFileSync(file, 'x');
    let removed: string[] = [];
    await writeFileAtomically(path, async () => {
      removed = await removeStaleTemporaries(path);
    });
    expect(removed).toEqual([dead]);
    expect(readdirSync(directory).sort()).toEqual(['data.index', `data.index.tmp-${process.ppid}-0a1b2c`, 'data.index.tmp-notes'].sort());
  });
});

describe('acquireFileLock', () => {
  it('is held by one holder at a time: a second acquire gets undefined until the first releases', async () => {
    const lockPath = join(directory, 'data.index.lock');
    const first = await acquireFileLock(lockPath);
    expect(first).toBeDefined();
    expect(readFileSync(lockPath, 'utf8')).toBe(`${process.pid}\n${hostname()}\n`);
    expect(await acquireFileLock(lockPath)).toBeUndefined();
    await first!.release();
    expect(readdirSync(directory)).toEqual([]);
    const second = await acquireFileLock(lockPath);
    expect(second).toBeDefined();
    await second!.release();
  });

  it('takes over a lock whose holder is no longer running on this host', async () => {
    const lockPath = join(directory, 'data.index.lock');
    writeFileSync(lockPath, `${deadPid()}\n${hostname()}\n`);
    const lock = await acquireFileLock(lockPath);
    expect(lock).toBeDefined();
    expect(readFileSync(lockPath, 'utf8')).toBe(`${process.pid}\n${hostname()}\n`);
    await lock!.release();
    expect(readdirSync(directory)).toEqual([]);
  });

  it('leaves a lock held by a running process, or by a process of another host, to its holder', async () => {
    const lockPath = join(directory, 'data.index.lock');
    writeFileSync(lockPath, `${process.ppid}\n${hostname()}\n`);
    expect(await acquireFileLock(lockPath)).toBeUndefined();
    const otherHost = `${deadPid()}\nanother-host.example\n`;
    writeFileSync(lockPath, otherHost);
    expect(await acquireFileLock(lockPath)).toBeUndefined();
    expect(readFileSync(lockPath, 'utf8')).toBe(otherHost);
  });
});

describe('a writer SIGKILLed half-way through a write', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('leaves the previous file intact, a temporary that removeStaleTemporaries removes, and a lock the next writer takes over', async () => {
    writeFileSync(path, 'previous');
    const lockPath = `${path}.lock`;
    const script = [
      `const { acquireFileLock, writeFileAtomically } = await import(${JSON.stringify(join(ROOT, 'dist/common/replace-file.js'))});`,
      `const { writeSync } = await import('node:fs');`,
      `if (!(await acquireFileLock(${JSON.stringify(lockPath)}))) throw new Error('not locked');`,
      `await writeFileAtomically(${JSON.stringify(path)}, async (fd) => {`,
      `  writeSync(fd, 'half of the new');`,
      `  console.log('writing');`,
      `  await new Promise((resolve) => setInterval(resolve, 60_000));`,
      `});`,
    ].join('\n');
    const writer = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      writer.stdout.once('data', () => resolve());
      writer.once('exit', (code) => reject(new Error(`the writer exited with ${code} before writing`)));
    });
    expect(await acquireFileLock(lockPath)).toBeUndefined();
    const exited = new Promise((resolve) => writer.once('exit', (_code, signal) => resolve(signal)));
    writer.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    expect(readFileSync(path, 'utf8')).toBe('previous');
    const left = temporaries();
    expect(left).toEqual([expect.stringMatching(new RegExp(`^data\\.index\\.tmp-${writer.pid}-`))]);
    expect(readFileSync(join(directory, left[0]!), 'utf8')).toBe('half of the new');

    const lock = await acquireFileLock(lockPath);
    expect(lock).toBeDefined();
    expect(await removeStaleTemporaries(path)).toEqual([join(directory, left[0]!)]);
    expect(temporaries()).toEqual([]);
    await lock!.release();
  });
});
