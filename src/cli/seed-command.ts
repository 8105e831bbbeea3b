import { statSync } from 'node:fs';
import { DEFAULT_STORAGE_URL } from '../app/app-storage.js';
import { readOptionSettings, readOptionsFrom } from '../app/read-option-settings.js';
import { DEFAULT_IMPORT_BATCH_ROWS, seedStorage } from '../app/seed-storage.js';
import { FEATURE_FORMATS, formatsText, type FeatureFile } from '../feature-files/feature-file.js';
import { readFeatureFile } from '../feature-files/read-feature-file.js';
import { syntheticFeatures } from '../feature-files/synthetic-features.js';
import type { FeatureRecord } from '../geo/feature.js';
import { readStorageUrl, type StorageUrl } from '../storage/open-storage.js';
import { createProgress, formatRate, type Progress } from './progress.js';
import { plural } from './plural.js';
import { helpText, invalidSetting, otherVariables, parseCommandLine, type Environment } from '../common/settings.js';
import { choiceSetting, integerSetting, optionalIntegerSetting, textSetting } from '../common/setting-values.js';
import { UsageError } from './errors.js';

const COMMAND = 'routeguide seed';

/** The largest --synthetic N. */
const MAX_SYNTHETIC = 100_000_000;

export const seedSettings = {
  storage: {
    // memory: is refused once the URL is read (seedCommand).
    schema: textSetting(DEFAULT_STORAGE_URL),
    description: 'where to import: sqlite:<path> or postgres://USER:PASSWORD@HOST:PORT/DATABASE',
    defaultText: DEFAULT_STORAGE_URL,
    valueName: 'URL',
  },
  ...readOptionSettings,
  synthetic: {
    schema: optionalIntegerSetting(1, MAX_SYNTHETIC),
    description: `instead of a FILE, generate N clustered synthetic features (a tenth unnamed), 1 to ${MAX_SYNTHETIC.toLocaleString('en-US')}`,
    defaultText: 'none: import FILE',
    valueName: 'N',
  },
  'batch-rows': {
    schema: integerSetting(1, 10_000_000, DEFAULT_IMPORT_BATCH_ROWS),
    description:
      'features per write transaction while copying into a SQLite database: the longest a running server\'s note writes wait',
    defaultText: String(DEFAULT_IMPORT_BATCH_ROWS),
    valueName: 'N',
  },
  'random-seed': {
    schema: integerSetting(0, 2 ** 32 - 1, 1),
    description: 'seed for --synthetic; the same seed gives the same features',
    defaultText: '1',
    valueName: 'S',
  },
} as const;

const USAGE =
  'routeguide seed [--storage URL] [--format FORMAT] [--lat-column NAME] [--lng-column NAME] [--name-column NAME] [--skip-invalid] [--batch-rows N] FILE | ' +
  'routeguide seed [--storage URL] --synthetic N [--random-seed S]';

const SUMMARY = `Imports features, streaming the file; a feature at a point that already holds one is skipped.
All or nothing: at the first bad record nothing is written, and the error names the entry
(--skip-invalid instead skips and counts bad records, and shows the first few).
A server already running on the same database keeps its note writes working during the import,
and sees the new features within seconds of its commit, without a restart. Imports into one
database run one at a time.`;

/** Passes features through while reporting progress; stays synchronous for a synchronous source. */
function* countedSync(features: Iterable<FeatureRecord>, progress: Progress, counter: { count: number }) {
  for (const feature of features) {
    progress.update(++counter.count);
    yield feature;
  }
}

/** The features of a file's batches, counted: one generator between the reader and storage, not two. */
async function* countedBatches(batches: AsyncIterable<readonly FeatureRecord[]>, progress: Progress, counter: { count: number }) {
  for await (const batch of batches) {
    for (const feature of batch) {
      progress.update(++counter.count);
      yield feature;
    }
  }
}

/** `routeguide seed`: streams a feature file (or synthetic features) into storage in one all-or-nothing import. */
export async function seedCommand(argv: readonly string[], env: Environment): Promise<number> {
  const { settings, positionals, help, source: given } = parseCommandLine(COMMAND, seedSettings, argv, env);
  if (help) {
    process.stdout.write(helpText(USAGE, SUMMARY, seedSettings) + '\n');
    return 0;
  }
  const storageUrl = readStorageUrl(settings.storage);
  if (storageUrl.location.scheme === 'memory') {
    // Seeded and then dropped as the command exits: a mistake, not an import.
    const reason = 'memory: storage ends with the command, so seeding it keeps nothing; seed a sqlite:<path> or postgres:// database';
    throw invalidSetting(COMMAND, given('storage'), settings.storage, reason);
  }
  const [file, extra] = positionals;
  const total = settings.synthetic;
  if (total !== undefined ? file !== undefined : file === undefined || extra !== undefined) {
    throw new UsageError(`${COMMAND}: expected exactly one FILE or --synthetic N; usage: ${USAGE}`);
  }
  const into: SeedInto = { storageUrl, batchRows: settings['batch-rows'], password: otherVariables(env).storagePassword };

  const counter = { count: 0 };
  let source: string;
  let features: Iterable<FeatureRecord> | AsyncIterable<FeatureRecord>;
  if (total !== undefined) {
    source = `${plural(total, 'synthetic feature')} (seed ${settings['random-seed']})`;
    const progress = createProgress({ fraction: (count) => count / total });
    features = countedSync(syntheticFeatures(total, settings['random-seed']), progress, counter);
    return importInto(into, source, features, counter, progress);
  }
  source = file!;
  const opened = readFeatureFile(source, readOptionsFrom(settings));
  let size = 0;
  try {
    size = statSync(source).size;
  } catch {
    // Reading reports the problem with the file.
  }
  const progress = createProgress({ fraction: () => (size > 0 ? opened.bytesRead() / size : undefined) });
  features = countedBatches(opened.batches, progress, counter);
  return importInto({ ...into, ...(size > 0 ? { inputBytes: size } : {}) }, source, features, counter, progress, opened);
}

/** Where and how seed imports. */
interface SeedInto {
  readonly storageUrl: StorageUrl;
  readonly batchRows: number;
  readonly password?: string;
  /** The file's size, when known: a large file is staged from its first row (see seedStorage). */
  readonly inputBytes?: number;
}

async function importInto(
  into: SeedInto,
  source: string,
  features: Iterable<FeatureRecord> | AsyncIterable<FeatureRecord>,
  counter: { count: number },
  progress: Progress,
  file?: FeatureFile,
): Promise<number> {
  const started = performance.now();
  // Once the input is read, its progress gives way to the copy's.
  let writing: Progress | undefined;
  let imported: number | undefined;
  try {
    const { inserted, duplicates } = await seedStorage(into.storageUrl, features, {
      importBatchRows: into.batchRows,
      inputBytes: into.inputBytes,
      password: into.password,
      onImportSorting: (total) => {
        progress.finish();
        // Only for an import long enough that someone is watching it.
        if (performance.now() - started > 2000) {
          process.stderr.write(`sorting ${plural(total, 'feature', total.toLocaleString('en-US'))} by location, then writing them\n`);
        }
      },
      onImportBatch: (copied, total) => {
        // Created at the first batch, so that its rate and ETA leave the sort out.
        writing ??= createProgress({ label: 'writing', fraction: (count) => count / total });
        writing.updateStep(copied);
      },
      onAbandonedImport: (removed) =>
        process.stderr.write(
          `${COMMAND}: removed ${plural(removed.removedFeatures, 'feature')} left by an unfinished import ` +
            `(pid ${removed.pid} on ${removed.host}, started ${new Date(removed.startedAt).toISOString()})\n`,
        ),
      onIndexFile: (event) => {
        if (event.state === 'writing') {
          imported = performance.now();
          progress.finish();
          writing?.finish();
          // As the progress lines: only for a seed long enough that someone is watching it.
          if (imported - started > 2000) process.stderr.write(`bringing the index file ${event.path} up to date\n`);
        } else if (performance.now() - started > 2000) {
          const how = event.merged ? 'merged the import into' : 'built';
          process.stderr.write(`${how} the index file ${event.path} (${plural(event.features, 'feature', event.features.toLocaleString('en-US'))}) in ${(event.ms / 1000).toFixed(2)} s\n`);
        }
      },
    });
    progress.finish();
    writing?.finish();
    const skipped = file?.skipped() ?? { count: 0, examples: [] };
    for (const example of skipped.examples) process.stderr.write(`${COMMAND}: skipped ${example}\n`);
    if (skipped.count > skipped.examples.length) {
      process.stderr.write(`${COMMAND}: skipped ${plural(skipped.count - skipped.examples.length, 'more invalid record')}\n`);
    }
    // The rate is the import's: the index file's update is reported on its own line.
    const seconds = ((imported ?? performance.now()) - started) / 1000;
    const invalid = skipped.count > 0 ? `${plural(skipped.count, 'invalid record')} skipped; ` : '';
    process.stdout.write(
      `seeded ${plural(inserted, 'feature')} from ${source} into ${into.storageUrl.shown}; ${plural(duplicates, 'duplicate')} skipped; ${invalid}` +
        `${counter.count} read in ${seconds.toFixed(2)} s (${formatRate(counter.count / seconds)} features/s)\n`,
    );
    return 0;
  } catch (error) {
    progress.finish();
    writing?.finish();
    throw error;
  } finally {
    // Also when the storage failed to open: the file is open already.
    file?.close();
  }
}
