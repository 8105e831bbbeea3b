import type { Storage } from '../storage/storage.js';

/** Wraps a Storage so that every note it stores is reported, for the notes-stored metric. */
export function countNoteWrites(storage: Storage, onStored: () => void): Storage {
  return {
    get scheme() {
      return storage.scheme;
    },
    countFeatures: () => storage.countFeatures(),
    insertFeatures: (features) => storage.insertFeatures(features),
    scanFeatures: (batchSize) => storage.scanFeatures(batchSize),
    async addNote(note) {
      await storage.addNote(note);
      onStored();
    },
    notesAt: (latitude, longitude, limit) => storage.notesAt(latitude, longitude, limit),
    lastNotePosition: () => storage.lastNotePosition(),
    notesAfter: (position, limit) => storage.notesAfter(position, limit),
    lastImportPosition: () => storage.lastImportPosition(),
    importsAfter: (position, limit) => storage.importsAfter(position, limit),
    scanImport: (position, batchSize) => storage.scanImport(position, batchSize),
    onChange: (listener) => storage.onChange(listener),
    pruneNotes: (cutoff) => storage.pruneNotes(cutoff),
    close: () => storage.close(),
  };
}
