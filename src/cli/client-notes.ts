import { point } from './client-input.js';
import type { ClientCommand } from './client-command.js';
import { plural } from './plural.js';

/** `client watch`: prints the notes stored from now on inside a rectangle, until stopped. */
export const watchCommand: ClientCommand = {
  usage: 'routeguide client watch LO_LAT LO_LNG HI_LAT HI_LNG',
  summary: 'WatchNotes: prints the notes stored from now on inside the rectangle (degrees), until stopped (Ctrl-C).',
  arity: 4,
  async run({ client, out, args: [loLat, loLng, hiLat, hiLng], call }) {
    const rectangle = { lo: point(loLat!, loLng!), hi: point(hiLat!, hiLng!) };
    for await (const note of client.watchNotes(rectangle, call)) out.note(note);
    return 0;
  },
};

/** `client post`: one RouteChat step: stores a note and prints the notes stored earlier at its location. */
export const postCommand: ClientCommand = {
  usage: 'routeguide client post LAT LNG MESSAGE',
  summary: 'PostNote: stores a note at a point (degrees) and prints the notes stored there before it.',
  arity: 3,
  async run({ client, out, args: [latitude, longitude, message], call }) {
    const { earlierNotes } = await client.postNote({ location: point(latitude!, longitude!), message: message! }, call);
    for (const note of earlierNotes) out.note(note);
    out.text(plural(earlierNotes.length, 'earlier note'));
    return 0;
  },
};
