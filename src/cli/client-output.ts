import type { Feature, Point, RouteNote, RouteSummary } from '../gen/messages/route_guide.js';
import { e7ToDegrees } from '../geo/e7.js';
import { plural } from './plural.js';

/** How the client commands print results: readable lines, or one JSON object per result. */
export interface Output {
  feature(feature: Feature): void;
  summary(summary: RouteSummary): void;
  note(note: RouteNote): void;
  /** A note about to be sent (the demo says what it sends). */
  sending(note: RouteNote): void;
  /** A readable line that has no JSON counterpart (headings, counts). */
  text(line: string): void;
}

function where(point: Point | undefined): string {
  return `${e7ToDegrees(point?.latitude ?? 0)}, ${e7ToDegrees(point?.longitude ?? 0)}`;
}

function jsonPoint(point: Point | undefined) {
  return { latitude: point?.latitude ?? 0, longitude: point?.longitude ?? 0 };
}

export function createOutput(json: boolean, write: (line: string) => void = (line) => process.stdout.write(line + '\n')): Output {
  if (json) {
    return {
      feature: (feature) => write(JSON.stringify({ name: feature.name, location: jsonPoint(feature.location) })),
      summary: (summary) => write(JSON.stringify(summary)),
      note: (note) => write(JSON.stringify({ location: jsonPoint(note.location), message: note.message })),
      sending: () => {},
      text: () => {},
    };
  }
  return {
    feature: (feature) =>
      write(feature.name === '' ? `No named feature at ${where(feature.location)}` : `Feature "${feature.name}" at ${where(feature.location)}`),
    summary: (summary) =>
      write(
        [
          `Finished trip with ${plural(summary.pointCount, 'point')}`,
          `Passed ${plural(summary.featureCount, 'feature')}`,
          `Travelled ${plural(summary.distance, 'metre')}`,
          `It took ${plural(summary.elapsedTime, 'second')}`,
        ].join('\n'),
      ),
    note: (note) => write(`Got message "${note.message}" at ${where(note.location)}`),
    sending: (note) => write(`Sending message "${note.message}" at ${where(note.location)}`),
    text: write,
  };
}
