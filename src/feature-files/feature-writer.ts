import type { FeatureRecord } from '../geo/feature.js';

/**
 * Where a writer's bytes go (stdout, a file): a write resolves once the destination can take more,
 * so a writer holds one batch at a time however slowly its output drains.
 */
export interface ByteSink {
  write(chunk: Uint8Array | string): Promise<void>;
}

/** A feature file being written, batch by batch, in one of the formats `seed` reads. */
export interface FeatureWriter {
  write(batch: readonly FeatureRecord[]): Promise<void>;
  /** Writes whatever ends the file (a closing bracket, a footer); the writer takes no more after it. */
  end(): Promise<void>;
}
