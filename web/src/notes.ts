import type { E7Point, E7Rectangle, ExtensionsClient } from './client.js';
import { isAbort } from './connection.js';
import type { Note } from './panel.js';

/** The notes this page has seen arrive live (WatchNotes). Keeps the newest 2,000. */
export class NoteBook {
  private readonly notes: Note[] = [];

  add(note: Note): void {
    this.notes.push(note);
    if (this.notes.length > 2000) this.notes.shift();
  }

  all(): readonly Note[] {
    return this.notes;
  }

  /** The notes at exactly this point, oldest first. */
  at(point: E7Point): Note[] {
    return this.notes.filter((note) => note.location.latitude === point.latitude && note.location.longitude === point.longitude);
  }
}

/**
 * Watches the rectangle's new notes until `signal` aborts. Resolves when the watch ends for good
 * (aborted), calls `onFailure` and returns when it fails: the caller retries with the banner.
 */
export async function watchNotes(
  client: ExtensionsClient,
  rectangle: E7Rectangle,
  signal: AbortSignal,
  handlers: { onOpen(): void; onNote(note: Note): void; onFailure(error: unknown): void },
): Promise<void> {
  try {
    // Response headers mean the server has the watch: the page marks it open for tests and the banner.
    const stream = client.watchNotes(rectangle, { signal, onHeader: () => handlers.onOpen() });
    for await (const note of stream) {
      if (note.location) handlers.onNote({ location: { latitude: note.location.latitude, longitude: note.location.longitude }, message: note.message });
    }
    if (!signal.aborted) handlers.onFailure(new Error('the note feed ended'));
  } catch (error) {
    if (!signal.aborted && !isAbort(error)) handlers.onFailure(error);
  }
}
