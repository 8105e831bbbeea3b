import { readSeedFile } from '../import/read-seed-file.js';
import { openStorage } from '../storage/open-storage.js';
import { DEFAULT_STORAGE_URL } from './serve-command.js';
import { helpText, parseCommandLine, textSetting, type Environment } from './settings.js';

export const seedSettings = {
  storage: {
    schema: textSetting(DEFAULT_STORAGE_URL),
    description: 'where to import: memory: or sqlite:<path>',
    defaultText: DEFAULT_STORAGE_URL,
    valueName: 'URL',
  },
} as const;

const USAGE = 'routeguide seed [--storage URL] FILE';

/** `routeguide seed`: imports a route_guide_db.json-shaped file in one all-or-nothing transaction. */
export async function seedCommand(argv: readonly string[], env: Environment): Promise<number> {
  const { settings, positionals, help } = parseCommandLine('routeguide seed', seedSettings, argv, env);
  if (help) {
    process.stdout.write(
      helpText(USAGE, 'Imports features; a feature at a point that already holds one is skipped.', seedSettings) + '\n',
    );
    return 0;
  }
  const [file, extra] = positionals;
  if (file === undefined || extra !== undefined) {
    process.stderr.write(`routeguide seed: expected exactly one FILE; usage: ${USAGE}\n`);
    return 2;
  }
  const started = Date.now();
  // Validate the whole file before opening storage: a bad file writes nothing.
  const features = await readSeedFile(file);
  const storage = openStorage(settings.storage, { createDirectory: settings.storage === DEFAULT_STORAGE_URL });
  try {
    const { inserted, duplicates } = await storage.insertFeatures(features);
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(
      `seeded ${inserted} features from ${file} into ${settings.storage}; ${duplicates} duplicates skipped (${seconds.toFixed(2)} s)\n`,
    );
    return 0;
  } finally {
    await storage.close();
  }
}
