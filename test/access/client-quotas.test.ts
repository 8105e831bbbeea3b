import { describe, expect, it } from 'vitest';
import { addressGroup } from '../../src/access/client-address.js';
import { ClientQuotas } from '../../src/access/client-quotas.js';

describe('the key of an anonymous caller', () => {
  it.each([
    ['192.0.2.7', '192.0.2.7'],
    ['::ffff:192.0.2.7', '192.0.2.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff::1', '2001:db8:1:2::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
  ])('%s is kept under %s', (address, key) => {
    expect(addressGroup(address)).toBe(key);
  });

  it('every address of one IPv6 /64 shares a key; the next /64 has its own', () => {
    expect(addressGroup('2001:db8:0:1::1')).toBe(addressGroup('2001:db8:0:1:ffff:ffff:ffff:ffff'));
    expect(addressGroup('2001:db8:0:1::1')).not.toBe(addressGroup('2001:db8:0:2::1'));
  });
});

describe('per-client quotas', () => {
  function clock() {
    let now = 0;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  }

  it('a bucket holds one second of notes, then lets them through at the rate, saying when the next one will pass', () => {
    const time = clock();
    const quotas = new ClientQuotas({ named: {}, anonymous: { writeRate: 10 } }, time.now);
    const state = quotas.stateOf('192.0.2.7', false);
    for (let i = 0; i < 10; i++) expect(quotas.takeNote(state, 10)).toBe(0);
    expect(quotas.takeNote(state, 10)).toBeCloseTo(100, 6);
    time.advance(50);
    expect(quotas.takeNote(state, 10)).toBeCloseTo(50, 6);
    time.advance(50);
    expect(quotas.takeNote(state, 10)).toBe(0);
  });

  it('a rate under one a second still lets one note through, then one per 1/rate seconds', () => {
    const time = clock();
    const quotas = new ClientQuotas({ named: {}, anonymous: { writeRate: 0.5 } }, time.now);
    const state = quotas.stateOf('a', false);
    expect(quotas.takeNote(state, 0.5)).toBe(0);
    expect(quotas.takeNote(state, 0.5)).toBeCloseTo(2000, 6);
  });

  it('each client has its own bucket', () => {
    const time = clock();
    const quotas = new ClientQuotas({ named: {}, anonymous: { writeRate: 1 } }, time.now);
    expect(quotas.takeNote(quotas.stateOf('a', false), 1)).toBe(0);
    expect(quotas.takeNote(quotas.stateOf('a', false), 1)).toBeGreaterThan(0);
    expect(quotas.takeNote(quotas.stateOf('b', false), 1)).toBe(0);
  });

  it('drops idle entries, but never one with a stream open', () => {
    const time = clock();
    const quotas = new ClientQuotas({ named: {}, anonymous: { writeRate: 1 } }, time.now);
    quotas.stateOf('idle', false);
    quotas.stateOf('streaming', false).streams = 1;
    time.advance(60_000);
    quotas.stateOf('new', false);
    expect(quotas.size).toBe(2);
    expect(quotas.stateOf('streaming', false).streams).toBe(1);
  });

  it('a spray of addresses past the cap shares one entry, so memory stays bounded; named clients still get their own', () => {
    const time = clock();
    const quotas = new ClientQuotas({ named: {}, anonymous: { writeRate: 1 } }, time.now, 100);
    const states = Array.from({ length: 1000 }, (_, i) => quotas.stateOf(`10.0.${i >> 8}.${i & 255}`, false));
    expect(quotas.size).toBe(100);
    expect(new Set(states).size).toBe(101);
    expect(quotas.takeNote(states[500]!, 1)).toBe(0);
    expect(quotas.takeNote(states[999]!, 1)).toBeGreaterThan(0);
    quotas.stateOf('client:alice', true);
    expect(quotas.size).toBe(101);
  });
});
