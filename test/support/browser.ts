import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type BrowserContext } from 'playwright-core';
import { BIN, ensureBuilt, ROOT } from './build.js';

/** Debian's chromium; `.ci/run` installs it. */
export const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Where browser tests leave screenshots and measurements (not committed). */
export const OUTPUT = join(ROOT, 'test-results/browser');

/**
 * Whether the Chromium tests run: always in CI (a missing browser then fails them), elsewhere only
 * when Chromium is installed; otherwise one line says how to get it.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM) || process.env.CI === 'true') return true;
  console.warn(`Chromium tests skipped: ${CHROMIUM} not found; install it with \`apt-get install -y chromium\` (Debian).`);
  return false;
}

/** Headless Chromium with a new empty profile; `close()` also removes the profile. */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'routeguide-chromium-'));
  // launchPersistentContext is how Playwright takes an explicit --user-data-dir.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: FLAGS,
    headless: true,
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

function newest(directory: string): number {
  let time = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    time = Math.max(time, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return time;
}

/** Builds dist/ and the page's dist/web/ when either is older than its sources. */
export function ensureMapBuilt(): void {
  ensureBuilt();
  const bundle = join(ROOT, 'dist/web/map.js');
  const built = existsSync(bundle) ? statSync(bundle).mtimeMs : 0;
  if (built >= Math.max(newest(join(ROOT, 'web')), newest(join(ROOT, 'src/gen/es')))) return;
  const lock = join(ROOT, 'dist/.web-build-lock');
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  for (let tries = 0; ; tries++) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (tries > 1200) rmSync(lock, { recursive: true, force: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
  try {
    execFileSync(process.execPath, [join(ROOT, 'scripts/build-web.js')], { cwd: ROOT, stdio: 'inherit' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface MapServer {
  readonly child: ChildProcess;
  /** gRPC HOST:PORT. */
  readonly target: string;
  /** http://HOST:PORT of the map. */
  readonly url: string;
  readonly httpPort: number;
  stop(): Promise<void>;
}

/** `routeguide serve ARGS` with the HTTP port on (127.0.0.1, a free port unless given), once it is listening. */
export function startMapServer(args: readonly string[], httpPort = 0): Promise<MapServer> {
  ensureMapBuilt();
  const child = spawn(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--log-level', 'warn', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ROUTEGUIDE_HTTP_PORT: String(httpPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return new Promise((resolve, reject) => {
    let http: string | undefined;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const httpMatch = /^http listening on (\S+)/.exec(line);
      if (httpMatch) http = httpMatch[1]!;
      const match = /^listening on (\S+)/.exec(line);
      if (match && http) {
        resolve({
          child,
          target: match[1]!,
          url: `http://${http}`,
          httpPort: Number(http.slice(http.lastIndexOf(':') + 1)),
          async stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            await exited;
          },
        });
      }
    });
    void exited.then(() => reject(new Error(`routeguide serve exited before listening on HTTP:\n${stderr}`)));
  });
}
