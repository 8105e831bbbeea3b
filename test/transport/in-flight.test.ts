import { describe, expect, it, vi } from 'vitest';
import { InFlight } from '../../src/transport/in-flight.js';

describe('InFlight, the tracker both transports shut down with', () => {
  it('endAll ends each one registered with an end exactly once, and leaves the others to finish', () => {
    const inFlight = new InFlight<string>();
    const first = vi.fn();
    const second = vi.fn();
    inFlight.add(first);
    inFlight.add(second);
    inFlight.add();
    inFlight.endAll('shutting down');
    inFlight.endAll('again');
    expect(first.mock.calls).toEqual([['shutting down']]);
    expect(second.mock.calls).toEqual([['shutting down']]);
    expect(inFlight.size).toBe(3);
  });

  it('whenEmpty resolves when the last one unregisters, and unregistering twice counts once', async () => {
    const inFlight = new InFlight();
    const doneA = inFlight.add();
    const doneB = inFlight.add();
    let empty = false;
    const waiting = inFlight.whenEmpty(60_000).then(() => (empty = true));
    doneA();
    doneA();
    await Promise.resolve();
    expect(inFlight.size).toBe(1);
    expect(empty).toBe(false);
    doneB();
    await waiting;
    expect(inFlight.size).toBe(0);
  });

  it('whenEmpty resolves after its timeout while something is still in flight', async () => {
    vi.useFakeTimers();
    try {
      const inFlight = new InFlight();
      inFlight.add();
      let resolved = false;
      const waiting = inFlight.whenEmpty(2000).then(() => (resolved = true));
      await vi.advanceTimersByTimeAsync(1999);
      expect(resolved).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await waiting;
      expect(inFlight.size).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('whenEmpty resolves at once when nothing is in flight', async () => {
    await expect(new InFlight().whenEmpty(60_000)).resolves.toBeUndefined();
  });
});
