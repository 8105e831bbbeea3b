import { describe, expect, it } from 'vitest';
import { boundsRectangle, formatDegrees, rectangleContains } from '../../web/src/client.js';
import {
  DEFAULT_VIEW,
  formatViewHash,
  fromScreen,
  linkedView,
  panBy,
  parseViewHash,
  project,
  toScreen,
  unproject,
  viewBounds,
  zoomAround,
} from '../../web/src/view.js';

const viewport = { width: 800, height: 600 };

describe("the map's view arithmetic", () => {
  it('projects degrees to Web Mercator pixels and back', () => {
    for (const [latitude, longitude] of [[40.7838351, -74.6143763], [-33.9, 151.2], [0, 0], [85, 179.9]] as const) {
      const pixel = project(latitude, longitude, 7.5);
      const back = unproject(pixel.x, pixel.y, 7.5);
      expect(back.latitude).toBeCloseTo(latitude, 9);
      expect(back.longitude).toBeCloseTo(longitude, 9);
    }
    expect(project(0, 0, 0)).toEqual({ x: 128, y: 128 });
  });

  it('puts the centre of the view in the middle of the screen, and reads it back', () => {
    expect(toScreen(DEFAULT_VIEW, viewport, DEFAULT_VIEW.latitude, DEFAULT_VIEW.longitude)).toEqual({ x: 400, y: 300 });
    const corner = fromScreen(DEFAULT_VIEW, viewport, 0, 0);
    const screen = toScreen(DEFAULT_VIEW, viewport, corner.latitude, corner.longitude);
    expect(screen.x).toBeCloseTo(0, 6);
    expect(screen.y).toBeCloseTo(0, 6);
  });

  it("the view's bounds are its corners, with the centre inside", () => {
    const bounds = viewBounds(DEFAULT_VIEW, viewport);
    const topLeft = fromScreen(DEFAULT_VIEW, viewport, 0, 0);
    const bottomRight = fromScreen(DEFAULT_VIEW, viewport, 800, 600);
    expect(bounds).toEqual({ north: topLeft.latitude, west: topLeft.longitude, south: bottomRight.latitude, east: bottomRight.longitude });
    const rectangle = boundsRectangle(bounds);
    expect(rectangleContains(rectangle, { latitude: 405_500_000, longitude: -744_500_000 })).toBe(true);
    expect(rectangleContains(rectangle, { latitude: 0, longitude: 0 })).toBe(false);
  });

  it('a view wider than the world is clipped to the world, poles included', () => {
    expect(viewBounds({ latitude: 0, longitude: 0, zoom: 1 }, { width: 2000, height: 2000 })).toEqual({ north: 90, south: -90, west: -180, east: 180 });
  });

  it('a drag moves the map with the pointer', () => {
    const moved = panBy(DEFAULT_VIEW, 100, -50);
    const where = toScreen(moved, viewport, DEFAULT_VIEW.latitude, DEFAULT_VIEW.longitude);
    expect(where.x).toBeCloseTo(500, 6);
    expect(where.y).toBeCloseTo(250, 6);
  });

  it('zooming keeps the point under the pointer in place', () => {
    const anchor = fromScreen(DEFAULT_VIEW, viewport, 120, 480);
    const zoomed = zoomAround(DEFAULT_VIEW, viewport, DEFAULT_VIEW.zoom + 2.5, 120, 480);
    expect(zoomed.zoom).toBe(DEFAULT_VIEW.zoom + 2.5);
    const where = toScreen(zoomed, viewport, anchor.latitude, anchor.longitude);
    expect(where.x).toBeCloseTo(120, 6);
    expect(where.y).toBeCloseTo(480, 6);
  });

  it('zoom stays between 1 and 20', () => {
    expect(zoomAround(DEFAULT_VIEW, viewport, 40, 400, 300).zoom).toBe(20);
    expect(zoomAround(DEFAULT_VIEW, viewport, -3, 400, 300).zoom).toBe(1);
  });

  it('the URL hash names the view and reopens it', () => {
    const view = { latitude: 40.123456, longitude: -74.987654, zoom: 11.256 };
    expect(formatViewHash(view)).toBe('#map=11.26/40.12346/-74.98765');
    expect(parseViewHash(formatViewHash(view))).toEqual({ latitude: 40.12346, longitude: -74.98765, zoom: 11.26 });
  });

  it('the hash keeps the centre to a pixel at every zoom', () => {
    for (const zoom of [3, 12, 16.5, 20]) {
      const view = { latitude: 40.123456789, longitude: -74.987654321, zoom };
      const linked = linkedView(view);
      const shift = toScreen(linked, viewport, view.latitude, view.longitude);
      expect(Math.abs(shift.x - 400)).toBeLessThan(1);
      expect(Math.abs(shift.y - 300)).toBeLessThan(1);
      expect(linkedView(linked)).toEqual(linked);
    }
  });

  it('a hash that names no view is ignored', () => {
    for (const hash of ['', '#', '#map=1/2', '#map=a/b/c', '#map=5/91/0', '#map=5/0/181', '#other=5/0/0']) expect(parseViewHash(hash)).toBeUndefined();
  });

  it('coordinates read in degrees with hemispheres', () => {
    expect(formatDegrees({ latitude: 407838351, longitude: -746143763 })).toBe('40.7838351° N, 74.6143763° W');
    expect(formatDegrees({ latitude: -335000000, longitude: 1512000000 })).toBe('33.5° S, 151.2° E');
  });
});
