import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { capHeapGrowth, HEAP_GROWING_PERCENT } from '../../src/cli/heap-growth.js';

describe('serve caps V8 heap growth', () => {
  const CAP = `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;

  it('sets --heap-growing-percent when node was started without it', () => {
    const set: string[] = [];
    capHeapGrowth(['--max-semi-space-size=4'], (flags) => set.push(flags));
    expect(set).toEqual([CAP]);
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
    expect(set).toEqual([CAP]);
  });

  it("sets a flag that this node's V8 knows (V8 only prints a warning for one it does not)", () => {
    const set: string[] = [];
    capHeapGrowth([], (flags) => set.push(flags));
    const name = set[0]!.split('=')[0]!;
    const known = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).match(/^\s*--[\w-]+(?= \()/gm) ?? [];
    expect(known.map((option) => option.trim())).toContain(name);
  });
});
