import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'bin/routeguide.js');
const ENTRY = join(ROOT, 'dist/cli/main.js');

function newestSourceTime(directory: string): number {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSourceTime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function isBuilt(): boolean {
  try {
    return statSync(ENTRY).mtimeMs >= newestSourceTime(join(ROOT, 'src'));
  } catch {
    return false;
  }
}

/** Held while one test process compiles, so another never runs a half-written dist/. */
const BUILD_LOCK = join(ROOT, 'dist/.test-build-lock');
const STALE_LOCK_MS = 120_000;

function lockBuild(): void {
  mkdirSync(dirname(BUILD_LOCK), { recursive: true });
  for (;;) {
    try {
      mkdirSync(BUILD_LOCK);
      return;
    } catch {
      // Left behind by a killed run: take it over.
      const lock = statSync(BUILD_LOCK, { throwIfNoEntry: false });
      if (lock && Date.now() - lock.mtimeMs > STALE_LOCK_MS) rmSync(BUILD_LOCK, { recursive: true, force: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
}

/** Compiles src/ to dist/ when dist is missing or older than a source file, so child processes run this code. */
export function ensureBuilt(): void {
  if (isBuilt()) return;
  lockBuild();
  try {
    if (!isBuilt()) {
      execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
    }
  } finally {
    rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}
