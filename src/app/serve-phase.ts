import type { FeatureIndex } from '../index/feature-index.js';
import type { Logger } from '../observability/logger.js';
import type { ServiceMetrics } from '../observability/metrics.js';
import { createRouteGuideExtensions } from '../service/extensions.js';
import { createCountFeatures } from '../service/count-features.js';
import { createNearestFeatures } from '../service/nearest-features.js';
import { createNoteFeed } from '../service/note-feed.js';
import type { PendingRouteGuide } from '../service/pending-route-guide.js';
import { createRouteGuide } from '../service/route-guide.js';
import type { Storage } from '../storage/storage.js';
import { startNoteRetention, type NoteRetention } from './note-retention.js';
import { openInOrder, type Closable } from './opened.js';

/** Notes a WatchNotes reader may fall behind, unless --watch-buffer says otherwise. */
const DEFAULT_WATCH_BUFFER = 10_000;

export interface ServePhaseOptions {
  readonly storage: Storage;
  readonly index: FeatureIndex;
  readonly pending: PendingRouteGuide;
  readonly replayLimit: number;
  readonly watchBuffer?: number;
  readonly notesMaxAgeMs?: number;
  readonly metrics?: ServiceMetrics;
  readonly log: Logger;
}

/** What serving opened: the note feed WatchNotes reads, and note retention when asked for. */
export interface Serving extends Closable {
  readonly retention?: NoteRetention;
}

/**
 * The last phase: builds RouteGuide over the loaded data, hands it to `pending` (calls are served
 * from now on) and starts note retention. close() stops retention, then the note feed.
 */
export function servePhase(options: ServePhaseOptions): Promise<Serving> {
  const { storage, index, log } = options;
  return openInOrder(async (keep) => {
    // Notes are stored through the feed, so that every note stored wakes the watches.
    const feed = keep(
      createNoteFeed({
        storage,
        watchBuffer: options.watchBuffer ?? DEFAULT_WATCH_BUFFER,
        onReadError: (error, after) =>
          log.error({ err: error, after }, 'cannot read the note feed for WatchNotes; reading it again at the next note or change'),
      }),
    );
    const guide = createRouteGuide({ index, storage: feed.storage, replayLimit: options.replayLimit });
    const extensions = createRouteGuideExtensions({
      guide,
      nearestFeatures: createNearestFeatures(index),
      countFeatures: createCountFeatures(index),
      watchNotes: (rectangle, context) => feed.watch(rectangle, context),
    });
    options.pending.ready(guide, extensions);
    if (options.notesMaxAgeMs === undefined) return {};
    const retention = startNoteRetention({ storage, maxAgeMs: options.notesMaxAgeMs, log, onPruned: options.metrics?.notesPruned });
    keep({ close: () => retention.stop() });
    return { retention };
  });
}
