import { describe, expect, it } from 'vitest';
import { ByteQueue } from '../../src/feature-files/byte-queue.js';

async function* chunksOf(...chunks: number[][]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield new Uint8Array(chunk);
}

const next = (queue: ByteQueue, n: number): number[] => [...queue.bytes.subarray(queue.offset, queue.offset + n)];

describe('ByteQueue', () => {
  it('buffers the next n bytes across as many chunks as they span, keeping the unconsumed ones', async () => {
    const queue = new ByteQueue(chunksOf([1, 2], [3], [], [4, 5, 6], [7]));
    expect(await queue.fill(1)).toBe(true);
    queue.offset += 1;
    expect(await queue.fill(5)).toBe(true);
    expect(next(queue, 5)).toEqual([2, 3, 4, 5, 6]);
    queue.offset += 5;
    expect(await queue.fill(2)).toBe(false);
    expect(queue.available()).toBe(1);
    expect(next(queue, 1)).toEqual([7]);
  });

  it('skips bytes across chunks without keeping them, and says when the file ends first', async () => {
    const queue = new ByteQueue(chunksOf([1, 2, 3], [4, 5], [6, 7, 8]));
    expect(await queue.skip(6)).toBe(true);
    expect(await queue.fill(2)).toBe(true);
    expect(next(queue, 2)).toEqual([7, 8]);
    expect(await queue.skip(3)).toBe(false);
  });
});
