import { openAppStorage } from '../app/app-storage.js';
import { copyStorage } from '../app/copy-storage.js';
import { helpText, parseCommandLine, textSetting, type Environment } from '../common/settings.js';
import { parseStorageUrl, redactStorageUrl } from '../storage/open-storage.js';
import type { Storage } from '../storage/storage.js';
import { UsageError } from './errors.js';
import { plural } from './plural.js';

const COMMAND = 'routeguide copy';

/** True for a `memory:` URL; any other, even a bad one, is for opening the storage to judge. */
function isMemoryStorage(url: string): boolean {
  try {
    return parseStorageUrl(url).scheme === 'memory';
  } catch {
    return false;
  }
}

export const copySettings = {
  from: {
    schema: textSetting(''),
    description: 'the storage to copy from: sqlite:<path> or postgres://USER:PASSWORD@HOST:PORT/DATABASE',
    defaultText: 'none: required',
    valueName: 'URL',
  },
  to: {
    schema: textSetting(''),
    description: 'the storage to copy into (created and migrated if new); it must hold no notes yet',
    defaultText: 'none: required',
    valueName: 'URL',
  },
} as const;

const USAGE = `${COMMAND} --from URL --to URL`;

const SUMMARY = `Copies every feature and note from one storage into another, e.g. from SQLite to PostgreSQL.
Features go in one all-or-nothing import (a point the destination holds already keeps its feature);
then the notes, in the order they were stored. Stop the servers writing to the source first.`;

/** `routeguide copy --from URL --to URL`. Resolves with the exit code. */
export async function copyCommand(argv: readonly string[], env: Environment): Promise<number> {
  const { settings, positionals, help } = parseCommandLine(COMMAND, copySettings, argv, env);
  if (help) {
    process.stdout.write(helpText(USAGE, SUMMARY, copySettings) + '\n');
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`${COMMAND}: unexpected argument ${positionals[0]}; usage: ${USAGE}`);
  const { from, to } = settings;
  if (from === '' || to === '') throw new UsageError(`${COMMAND}: both --from URL and --to URL are needed; usage: ${USAGE}`);
  if (from === to) throw new UsageError(`${COMMAND}: --from and --to are the same storage (${redactStorageUrl(from)})`);
  for (const [flag, url] of [['--from', from], ['--to', to]] as const) {
    if (isMemoryStorage(url)) {
      throw new UsageError(`${COMMAND}: ${flag} memory: exists only inside one process; copy between sqlite:<path> and postgres:// storages`);
    }
  }
  // PGPASSWORD, as PostgreSQL's own tools read it, for a URL without a password. A command run by
  // hand reports an unreachable database at once rather than waiting for it.
  const open = (url: string): Promise<Storage> => openAppStorage(url, { password: env.PGPASSWORD, connectTimeoutMs: 0 });
  const started = performance.now();
  const source = await open(from);
  try {
    const destination = await open(to);
    try {
      const { features, notes } = await copyStorage(source, destination);
      const seconds = (performance.now() - started) / 1000;
      process.stdout.write(
        `copied ${plural(features.inserted, 'feature')} (${plural(features.duplicates, 'duplicate')} skipped) and ` +
          `${plural(notes, 'note')} from ${redactStorageUrl(from)} to ${redactStorageUrl(to)} in ${seconds.toFixed(2)} s\n`,
      );
      return 0;
    } finally {
      await destination.close();
    }
  } finally {
    await source.close();
  }
}
