import { describe, expect, it } from 'vitest';
import { capHeapGrowth, HEAP_GROWING_PERCENT } from '../../src/cli/heap-growth.js';

describe('serve caps V8 heap growth', () => {
  it('sets --heap-growing-percent=50 when node was started without it', () => {
    const set: string[] = [];
    capHeapGrowth(['--max-semi-space-size=4'], (flags) => set.push(flags));
    expect(HEAP_GROWING_PERCENT).toBe(50);
    expect(set).toEqual(['--heap-growing-percent=50']);
  });

  it.each([['--heap-growing-percent=100'], ['--heap_growing_percent=20'], ['--heap-growing-percent']])(
    'leaves the growth alone when node was started with %s',
    (flag) => {
      const set: string[] = [];
      capHeapGrowth(['--max-semi-space-size=4', flag], (flags) => set.push(flags));
      expect(set).toEqual([]);
    },
  );

  it('does not take a similarly named flag for it', () => {
    const set: string[] = [];
    capHeapGrowth(['--heap-growing-percentage-ish=3'], (flags) => set.push(flags));
    expect(set).toEqual(['--heap-growing-percent=50']);
  });
});
