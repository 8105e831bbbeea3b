import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/**
 * A throwaway PostgreSQL cluster for tests and benchmarks: initdb and pg_ctl from the installed
 * binaries, into a temporary directory, on a free loopback port, with password authentication (so
 * that bad credentials can be tested). As root it runs as the `postgres` OS user, since PostgreSQL
 * refuses to run as root. Plain JavaScript (typed by postgres-cluster.d.ts), so that the bench runs it as it is.
 */

export const CLUSTER_PASSWORD = 'routeguide-test-secret';
export const CLUSTER_USER = 'postgres';

/** How to install PostgreSQL, for the line a machine without it prints. */
export const INSTALL_HINT = 'install PostgreSQL (Debian/Ubuntu: apt-get install -y postgresql; macOS: brew install postgresql)';

/** The directory holding initdb and pg_ctl: Debian's versioned folders, then pg_config, then PATH. */
export function findPostgresBinaries() {
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((version) => existsSync(join(debian, version, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0] !== undefined) return join(debian, versions[0], 'bin');
  }
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (pgConfig.status === 0 && existsSync(join(pgConfig.stdout.trim(), 'initdb'))) return pgConfig.stdout.trim();
  for (const folder of (process.env.PATH ?? '').split(':')) {
    if (folder !== '' && existsSync(join(folder, 'initdb')) && existsSync(join(folder, 'pg_ctl'))) return folder;
  }
  return undefined;
}

/** A free loopback port (free when asked; the cluster takes it a moment later). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function startCluster(binaries, options = {}) {
  const asRoot = userInfo().uid === 0;
  const directory = mkdtempSync(join(tmpdir(), 'routeguide-postgres-'));
  const data = join(directory, 'data');
  const passwordFile = join(directory, 'password');
  writeFileSync(passwordFile, CLUSTER_PASSWORD);
  if (asRoot) {
    const { uid, gid } = postgresUser();
    chownSync(directory, uid, gid);
    chownSync(passwordFile, uid, gid);
  }
  const run = (tool, args) => {
    const command = asRoot ? 'runuser' : join(binaries, tool);
    const fullArgs = asRoot ? ['-u', 'postgres', '--', join(binaries, tool), ...args] : args;
    execFileSync(command, fullArgs, { stdio: ['ignore', 'pipe', 'pipe'], cwd: directory });
  };
  try {
    run('initdb', ['-D', data, '-U', CLUSTER_USER, '--auth=scram-sha-256', `--pwfile=${passwordFile}`, '--no-sync', '-E', 'UTF8', '--locale=C']);
    const port = await freePort();
    const settings = { listen_addresses: '127.0.0.1', max_connections: '200', ...options.settings };
    const serverOptions = [`-p ${port}`, `-k ${directory}`, ...Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`)].join(' ');
    const startServer = () => run('pg_ctl', ['-D', data, '-o', serverOptions, '-l', join(directory, 'server.log'), '-w', 'start']);
    startServer();
    const baseUrl = `postgres://${CLUSTER_USER}:${CLUSTER_PASSWORD}@127.0.0.1:${port}/`;
    return {
      port,
      baseUrl,
      url: (database) => `${baseUrl}${database}`,
      stopServer: () => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']),
      startServer,
      stop() {
        try {
          run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
        } finally {
          rmSync(directory, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    const stderr = error.stderr?.toString() ?? '';
    throw new Error(`could not start a throwaway PostgreSQL with ${binaries}: ${stderr || error.message}`, { cause: error });
  }
}

function postgresUser() {
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}
