import { Code, RouteGuideError } from './errors.js';
import type { RouteGuide } from './route-guide.js';

/**
 * A RouteGuide that answers UNAVAILABLE, with what the server is doing, until the real one is ready.
 * It lets a server bind its port first (so a port in use is reported at once) and load its data after.
 */
export interface PendingRouteGuide {
  readonly guide: RouteGuide;
  /** What callers are told meanwhile, e.g. `starting: loading 1000000 features`. */
  setStatus(status: string): void;
  /** From now on every call goes to `guide`. */
  ready(guide: RouteGuide): void;
}

export function createPendingRouteGuide(initialStatus = 'starting'): PendingRouteGuide {
  let status = initialStatus;
  let current: RouteGuide | undefined;
  const ready = (): RouteGuide => {
    if (current === undefined) throw new RouteGuideError(Code.UNAVAILABLE, status);
    return current;
  };
  return {
    guide: {
      getFeature: (point) => ready().getFeature(point),
      listFeatures: (rectangle) => ready().listFeatures(rectangle),
      recordRoute: async (points, context) => ready().recordRoute(points, context),
      routeChat: async (notes, send, context) => ready().routeChat(notes, send, context),
    },
    setStatus(next) {
      status = next;
    },
    ready(guide) {
      current = guide;
    },
  };
}
