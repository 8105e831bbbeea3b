import { UserError } from '../common/user-error.js';
import type { StorageUrl } from '../storage/open-storage.js';
import type { InsertSummary, Storage } from '../storage/storage.js';
import { openAppStorage } from './app-storage.js';

/** Notes read from the source per page. */
const NOTES_PER_PAGE = 1_000;

/** The destination already holds notes: copying would store the source's after them, out of order, or twice. */
export class CopyRefusedError extends UserError {
  override readonly name = 'CopyRefusedError';
  readonly exitCode = 1;
}

export interface CopySummary {
  readonly features: InsertSummary;
  readonly notes: number;
}

export interface CopyOptions {
  /** Told of the notes copied so far, after each page. */
  readonly onNotes?: (copied: number) => void;
}

/** Every feature of `from`, streamed batch by batch, never all in memory. */
async function* allFeatures(from: Storage) {
  for await (const batch of from.scanFeatures()) yield* batch;
}

/**
 * Copies every feature and note of `from` into `to`. The features go in one import, all or nothing
 * (a point `to` already holds keeps its feature, counted as a duplicate). Then the notes, in the
 * order they were stored, one page per `addNotes` transaction (so their age for --notes-max-age starts
 * at the copy). A destination that holds notes already is refused before anything is written.
 */
export async function copyStorage(from: Storage, to: Storage, options: CopyOptions = {}): Promise<CopySummary> {
  if ((await to.notesAfter(0, 1)).length > 0) {
    throw new CopyRefusedError('the destination already holds notes; copy into a storage without notes, so that none is stored twice or out of order');
  }
  const features = await to.insertFeatures(allFeatures(from));
  let notes = 0;
  let position = 0;
  for (;;) {
    const page = await from.notesAfter(position, NOTES_PER_PAGE);
    if (page.length === 0) break;
    await to.addNotes(page.map((note) => ({ latitude: note.latitude, longitude: note.longitude, message: note.message })));
    notes += page.length;
    position = page[page.length - 1]!.position;
    options.onNotes?.(notes);
  }
  return { features, notes };
}

/**
 * `routeguide copy`'s work: opens both storages, copies (see copyStorage) and closes them. `password`
 * is for a PostgreSQL URL without one. A command run by hand reports an unreachable database at
 * once, rather than waiting for it as a server does.
 */
export async function copyBetween(from: StorageUrl, to: StorageUrl, options: CopyOptions & { readonly password?: string } = {}): Promise<CopySummary> {
  const open = (url: StorageUrl): Promise<Storage> => openAppStorage(url, { password: options.password, connectTimeoutMs: 0 });
  const source = await open(from);
  try {
    const destination = await open(to);
    try {
      return await copyStorage(source, destination, options);
    } finally {
      await destination.close();
    }
  } finally {
    await source.close();
  }
}
