import type { FeatureDistance } from '../../src/gen/es/route_guide_extensions_pb.js';
import { formatDegrees, type E7Point } from './client.js';

export interface Note {
  readonly location: E7Point;
  readonly message: string;
}

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`index.html has no #${id}`);
  return found as T;
}

function item(primary: string, secondary: string): HTMLLIElement {
  const li = document.createElement('li');
  const title = document.createElement('span');
  title.className = 'primary';
  title.textContent = primary;
  const detail = document.createElement('span');
  detail.className = 'secondary';
  detail.textContent = secondary;
  li.append(title, detail);
  return li;
}

function distance(metres: number): string {
  return metres < 1000 ? `${Math.round(metres)} m` : `${(metres / 1000).toFixed(metres < 10_000 ? 2 : 1)} km`;
}

/** The side panel: what was clicked, the nearest features, the notes there, the note form and the live feed. */
export class Panel {
  readonly count = element<HTMLElement>('count');
  readonly form = element<HTMLFormElement>('note-form');
  readonly message = element<HTMLTextAreaElement>('note-message');
  readonly formError = element<HTMLElement>('note-error');
  private readonly selection = element<HTMLElement>('selection');
  private readonly nearest = element<HTMLOListElement>('nearest-list');
  private readonly notesHere = element<HTMLUListElement>('notes-here-list');
  private readonly live = element<HTMLUListElement>('live-notes');

  /** The features-in-view line under the title. */
  showCount(text: string, kind: 'loading' | 'ready' | 'counts' | 'error'): void {
    this.count.textContent = text;
    this.count.dataset.kind = kind;
  }

  /** A click on a feature (name given) or on an empty spot. */
  select(point: E7Point, name: string | undefined): void {
    this.selection.replaceChildren();
    const title = document.createElement('h2');
    title.id = 'selection-name';
    title.textContent = name === undefined ? 'Dropped pin' : name === '' ? 'Unnamed feature' : name;
    const where = document.createElement('p');
    where.id = 'selection-coordinates';
    where.className = 'coordinates';
    where.textContent = formatDegrees(point);
    this.selection.append(title, where);
    this.form.hidden = false;
    this.formError.textContent = '';
    this.nearest.replaceChildren(item('Looking…', ''));
  }

  showNearest(features: readonly FeatureDistance[]): void {
    this.nearest.replaceChildren(
      ...(features.length === 0
        ? [item('No features', '')]
        : features.map(({ feature, distanceMeters }) => item(feature?.name || 'Unnamed feature', distance(distanceMeters)))),
    );
  }

  showNearestError(message: string): void {
    this.nearest.replaceChildren(item('Could not load the nearest features', message));
  }

  showNotesHere(notes: readonly Note[]): void {
    this.notesHere.replaceChildren(
      ...(notes.length === 0 ? [item('No notes seen here yet', '')] : notes.map((note) => item(note.message || '(an empty note)', ''))),
    );
  }

  /** A note that arrived through WatchNotes, newest first; the feed keeps 50. */
  addLiveNote(note: Note): void {
    const entry = item(note.message || '(an empty note)', formatDegrees(note.location));
    entry.classList.add('fresh');
    this.live.prepend(entry);
    while (this.live.children.length > 50) this.live.lastElementChild?.remove();
  }
}
