import { describe, expect, it } from 'vitest';
import { createHealthState } from '../../src/transport/health-state.js';

const STORAGE_SERVICES = ['routeguide.RouteGuide', 'routeguide.extensions.v1.RouteGuideExtensions'];

describe('the health state both transports read', () => {
  it('starts NOT_SERVING for the server and each service, and knows no other name', () => {
    const health = createHealthState(STORAGE_SERVICES);
    expect(['', ...STORAGE_SERVICES, 'no.such.Service'].map((name) => health.status(name))).toEqual([
      'NOT_SERVING',
      'NOT_SERVING',
      'NOT_SERVING',
      'SERVICE_UNKNOWN',
    ]);
  });

  it('sets the storage services apart from the server, telling each change', () => {
    const health = createHealthState(STORAGE_SERVICES);
    const told: string[] = [];
    health.onChange((name, status) => told.push(`${name}=${status}`));
    health.set('SERVING');
    health.setStorageServices('NOT_SERVING');
    expect(health.status('')).toBe('SERVING');
    expect(health.status('routeguide.RouteGuide')).toBe('NOT_SERVING');
    expect(told).toEqual([
      '=SERVING',
      'routeguide.RouteGuide=SERVING',
      'routeguide.extensions.v1.RouteGuideExtensions=SERVING',
      'routeguide.RouteGuide=NOT_SERVING',
      'routeguide.extensions.v1.RouteGuideExtensions=NOT_SERVING',
    ]);
  });

  it('once stopped, is NOT_SERVING for good: a storage that comes back changes nothing', () => {
    const health = createHealthState(STORAGE_SERVICES);
    health.set('SERVING');
    health.stop();
    health.setStorageServices('SERVING');
    health.set('SERVING');
    expect(['', ...STORAGE_SERVICES].map((name) => health.status(name))).toEqual(['NOT_SERVING', 'NOT_SERVING', 'NOT_SERVING']);
  });
});
