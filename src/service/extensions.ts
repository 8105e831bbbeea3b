import type { Feature, RouteNote } from '../gen/messages/route_guide.js';
import type { CountFeaturesResponse, NearestFeaturesResponse, PostNoteResponse } from '../gen/messages/route_guide_extensions.js';
import type { ValidCountFeaturesRequest, ValidExportFeaturesRequest, ValidNearestFeaturesRequest } from './extension-validation.js';
import type { NoteWatch } from './note-feed.js';
import type { CallContext, RouteGuide } from './route-guide.js';
import type { ValidRectangle, ValidRouteNote } from './validation.js';

/**
 * The RouteGuideExtensions logic (proto/route_guide_extensions.proto), free of any transport, like
 * RouteGuide: validated messages in, plain messages out, cancellation as the context's AbortSignal.
 */
export interface RouteGuideExtensions {
  /** The features nearest to the point by great-circle distance, nearest first (ties by latitude, then longitude). */
  nearestFeatures(request: ValidNearestFeaturesRequest): NearestFeaturesResponse;
  /** The features of the rectangle, lazily, as ListFeatures finds them; the transport batches them. */
  exportFeatures(request: ValidExportFeaturesRequest): Iterable<Feature>;
  /**
   * The notes stored from now on inside the rectangle, by any client, in storage order, each once.
   * Ends with RESOURCE_EXHAUSTED when the reader falls more than the watch buffer behind.
   */
  watchNotes(rectangle: ValidRectangle, context: CallContext): NoteWatch;
  /** One RouteChat step: stores the note, then answers the notes stored earlier at its location, oldest first. */
  postNote(note: ValidRouteNote): Promise<PostNoteResponse>;
  /** How many features lie in each cell of a grid over the rectangle, and in all: exact, from the index's nodes. */
  countFeatures(request: ValidCountFeaturesRequest): CountFeaturesResponse;
}

export interface ExtensionParts {
  readonly guide: RouteGuide;
  readonly nearestFeatures: RouteGuideExtensions['nearestFeatures'];
  readonly countFeatures: RouteGuideExtensions['countFeatures'];
  readonly watchNotes: RouteGuideExtensions['watchNotes'];
}

/** RouteGuideExtensions over the RouteGuide logic and the parts that are its own. */
export function createRouteGuideExtensions(parts: ExtensionParts): RouteGuideExtensions {
  const { guide } = parts;
  return {
    nearestFeatures: parts.nearestFeatures,
    countFeatures: parts.countFeatures,
    exportFeatures: ({ rectangle }) => guide.listFeatures(rectangle),
    watchNotes: parts.watchNotes,
    async postNote(note) {
      const earlierNotes: RouteNote[] = [];
      // Exactly one RouteChat step: the same storing, replay limit and order.
      for await (const earlier of guide.routeChat([note])) earlierNotes.push(earlier);
      return { earlierNotes };
    },
  };
}
