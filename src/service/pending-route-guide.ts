import { Code, RouteGuideError } from './errors.js';
import type { RouteGuideExtensions } from './extensions.js';
import type { RouteGuide } from './route-guide.js';

/**
 * A RouteGuide (and its extensions) that answer UNAVAILABLE, with what the server is doing, until the
 * real ones are ready. It lets a server bind its port first (so a port in use is reported at once)
 * and load its data after.
 */
export interface PendingRouteGuide {
  readonly guide: RouteGuide;
  readonly extensions: RouteGuideExtensions;
  /** What callers are told meanwhile, e.g. `starting: loading 1000000 features`. */
  setStatus(status: string): void;
  /** From now on every call goes to `guide` and `extensions`. */
  ready(guide: RouteGuide, extensions: RouteGuideExtensions): void;
}

export function createPendingRouteGuide(initialStatus = 'starting'): PendingRouteGuide {
  let status = initialStatus;
  let current: { guide: RouteGuide; extensions: RouteGuideExtensions } | undefined;
  const ready = (): { guide: RouteGuide; extensions: RouteGuideExtensions } => {
    if (current === undefined) throw new RouteGuideError(Code.UNAVAILABLE, status);
    return current;
  };
  return {
    guide: {
      getFeature: (point) => ready().guide.getFeature(point),
      listFeatures: (rectangle) => ready().guide.listFeatures(rectangle),
      recordRoute: async (points, context) => ready().guide.recordRoute(points, context),
      // Not wrapped: the replies come straight from the real chat (no hop per note); before it is
      // ready, the throw reaches the transport as the call's error.
      routeChat: (notes, context) => ready().guide.routeChat(notes, context),
    },
    extensions: {
      nearestFeatures: (request) => ready().extensions.nearestFeatures(request),
      exportFeatures: (request) => ready().extensions.exportFeatures(request),
      watchNotes: (rectangle, context) => ready().extensions.watchNotes(rectangle, context),
      postNote: async (note) => ready().extensions.postNote(note),
      countFeatures: (request) => ready().extensions.countFeatures(request),
    },
    setStatus(next) {
      status = next;
    },
    ready(guide, extensions) {
      current = { guide, extensions };
    },
  };
}
