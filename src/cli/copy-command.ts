import { copyBetween } from '../app/copy-storage.js';
import { helpText, otherVariables, parseCommandLine, type Environment } from '../common/settings.js';
import { textSetting } from '../common/setting-values.js';
import { readStorageUrl } from '../storage/open-storage.js';
import { UsageError } from './errors.js';
import { plural } from './plural.js';

const COMMAND = 'routeguide copy';

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
  if (settings.from === '' || settings.to === '') throw new UsageError(`${COMMAND}: both --from URL and --to URL are needed; usage: ${USAGE}`);
  const from = readStorageUrl(settings.from);
  const to = readStorageUrl(settings.to);
  if (from.text === to.text) throw new UsageError(`${COMMAND}: --from and --to are the same storage (${from.shown})`);
  for (const [flag, url] of [['--from', from], ['--to', to]] as const) {
    if (url.location.scheme === 'memory') {
      throw new UsageError(`${COMMAND}: ${flag} memory: exists only inside one process; copy between sqlite:<path> and postgres:// storages`);
    }
  }
  const started = performance.now();
  const { features, notes } = await copyBetween(from, to, { password: otherVariables(env).storagePassword });
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `copied ${plural(features.inserted, 'feature')} (${plural(features.duplicates, 'duplicate')} skipped) and ` +
      `${plural(notes, 'note')} from ${from.shown} to ${to.shown} in ${seconds.toFixed(2)} s\n`,
  );
  return 0;
}
