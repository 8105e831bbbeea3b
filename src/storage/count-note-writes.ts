import type { Storage } from './storage.js';

/** Wraps a Storage so that every commit of notes reports how many it stored, for the notes-stored metric. */
export function countNoteWrites(storage: Storage, onStored: (count: number) => void): Storage {
  return {
    get scheme() {
      return storage.scheme;
    },
    countFeatures: () => storage.countFeatures(),
    hasFeatures: () => storage.hasFeatures(),
    identity: () => storage.identity(),
    importToken: (position) => storage.importToken(position),
    insertFeatures: (features) => storage.insertFeatures(features),
    scanFeatures: (batchSize) => storage.scanFeatures(batchSize),
    async addNotes(notes) {
      await storage.addNotes(notes);
      onStored(notes.length);
    },
    notesAt: (latitude, longitude, limit) => storage.notesAt(latitude, longitude, limit),
    notesAtEach: (points, limit) => storage.notesAtEach(points, limit),
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
