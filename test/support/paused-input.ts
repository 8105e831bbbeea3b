import type { FeatureRecord } from '../../src/storage/storage.js';

/** Features for an import that stops halfway until the test lets it go on. */
export interface PausedInput {
  /** `total` features `f0`, `f1`, ... at (i, -i) E7, waiting after the first half. */
  readonly features: AsyncGenerator<FeatureRecord>;
  /** Resolves once the import has taken the first half and waits. */
  readonly middle: Promise<void>;
  /** Lets the import take the rest. */
  carryOn(): void;
}

export function pausedInput(total: number): PausedInput {
  let reachedMiddle!: () => void;
  const middle = new Promise<void>((resolve) => (reachedMiddle = resolve));
  let carryOn!: () => void;
  const resume = new Promise<void>((resolve) => (carryOn = resolve));
  async function* features(): AsyncGenerator<FeatureRecord> {
    for (let i = 0; i < total; i++) {
      if (i === total / 2) {
        reachedMiddle();
        await resume;
      }
      yield { name: `f${i}`, latitude: i, longitude: -i };
    }
  }
  return { features: features(), middle, carryOn };
}
