import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouteGuideClient, type RouteGuideClient } from '../../src/client/client.js';
import type { Feature } from '../../src/gen/messages/route_guide.js';
import { degreesToE7 } from '../../src/geo/e7.js';
import { formatDegrees } from '../../web/src/client.js';
import { fromScreen, parseViewHash, toScreen, viewBounds, type View } from '../../web/src/view.js';
import { chromiumAvailable, launchChromium, OUTPUT, startMapServer, type MapServer } from '../support/browser.js';
import { collect } from '../support/servers.js';

/** A view of northern New Jersey that holds some of the canonical 100 features, not all. */
const VIEW = '#map=9/40.6/-74.5';

let server: MapServer;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let context: BrowserContext;
let client: RouteGuideClient;
/** Every request any page made, recorded from the start. */
const requests: string[] = [];
const figures: Record<string, number> = {};

async function openMap(hash = VIEW): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${server.url}/${hash}`);
  await page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
  return page;
}

async function viewOf(page: Page): Promise<{ view: View; viewport: { width: number; height: number }; left: number; top: number }> {
  const view = parseViewHash(new URL(page.url()).hash);
  const box = await page.locator('#map').boundingBox();
  if (!view || !box) throw new Error('the page shows no view');
  return { view, viewport: { width: box.width, height: box.height }, left: box.x, top: box.y };
}

function rectangleOf(dataset: string): { lo: { latitude: number; longitude: number }; hi: { latitude: number; longitude: number } } {
  const [loLatitude, loLongitude, hiLatitude, hiLongitude] = dataset.split(',').map(Number) as [number, number, number, number];
  return { lo: { latitude: loLatitude, longitude: loLongitude }, hi: { latitude: hiLatitude, longitude: hiLongitude } };
}

async function listed(rectangle: ReturnType<typeof rectangleOf>): Promise<Feature[]> {
  return collect(client.listFeatures(rectangle));
}

/** Clicks the map at a point in degrees. */
async function clickAt(page: Page, latitude: number, longitude: number): Promise<void> {
  const { view, viewport, left, top } = await viewOf(page);
  const point = toScreen(view, viewport, latitude, longitude);
  await page.mouse.click(left + point.x, top + point.y);
}

/**
 * Waits until the page's WatchNotes call is in place on the server: posts probe notes inside its
 * view until one shows up in its live list (a quiet watch gets no response headers to wait for).
 */
async function watching(page: Page): Promise<void> {
  for (let probe = 0; probe < 100; probe++) {
    const message = `probe ${probe}`;
    await client.postNote({ location: { latitude: 405_500_000, longitude: -744_500_000 }, message });
    const shown = await page.waitForSelector(`#live-notes li:has-text("${message}")`, { timeout: 250 }).then(() => true, () => false);
    if (shown) return;
  }
  throw new Error('the page never showed a probe note');
}

describe.skipIf(!chromiumAvailable())('the map in Chromium', () => {
  beforeAll(async () => {
    server = await startMapServer(['--storage', 'memory:']);
    client = createRouteGuideClient(server.target);
    browser = await launchChromium();
    context = browser.context;
    context.on('request', (request) => requests.push(request.url()));
    mkdirSync(OUTPUT, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    client?.close();
    await server?.stop();
    if (Object.keys(figures).length > 0) writeFileSync(join(OUTPUT, 'map-figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
  });

  it('draws as many features as ListFeatures answers for the view', async () => {
    const page = await openMap();
    // Measured, not asserted (the target is under 1 s): milliseconds from navigation start.
    Object.assign(
      figures,
      await page.evaluate(() => {
        const at = (entry: { startTime: number; responseEnd?: number } | undefined, end = false): number => Math.round(end ? entry?.responseEnd ?? -1 : entry?.startTime ?? -1);
        const exported = performance.getEntriesByType('resource').find((entry) => entry.name.endsWith('/ExportFeatures')) as { startTime: number; responseEnd: number } | undefined;
        const script = performance.getEntriesByType('resource').find((entry) => entry.name.endsWith('/map.js')) as { startTime: number; responseEnd: number } | undefined;
        return {
          firstRenderMs: at(performance.getEntriesByName('routeguide:first-render')[0]),
          scriptLoadedMs: at(script, true),
          exportFeaturesStartMs: at(exported),
          exportFeaturesEndMs: at(exported, true),
        };
      }),
    );
    console.log(`map: the canonical 100 features drawn ${figures.firstRenderMs} ms after navigation (${JSON.stringify(figures)})`);
    const rectangle = rectangleOf((await page.getAttribute('body', 'data-rectangle'))!);
    const expected = (await listed(rectangle)).length;
    expect(expected).toBeGreaterThan(0);
    expect(expected).toBeLessThan(100);
    expect(Number(await page.getAttribute('#features', 'data-drawn'))).toBe(expected);
    expect(await page.textContent('#count')).toBe(`${expected} features in view`);
    expect(await page.getAttribute('body', 'data-mode')).toBe('points');
    expect(await page.isHidden('#density-legend')).toBe(true);

    // The rectangle asked for is the one the view shows.
    const { view, viewport } = await viewOf(page);
    const bounds = viewBounds(view, viewport);
    expect(rectangle.lo.latitude).toBe(degreesToE7(bounds.south, 90));
    expect(rectangle.hi.longitude).toBe(degreesToE7(bounds.east, 180));
    await page.close();
  });

  it('clicking a feature shows its name and its coordinates in degrees', async () => {
    const page = await openMap('#map=13/40.78/-74.62');
    const rectangle = rectangleOf((await page.getAttribute('body', 'data-rectangle'))!);
    const feature = (await listed(rectangle)).find((candidate) => candidate.name !== '');
    expect(feature).toBeDefined();
    const { latitude, longitude } = feature!.location!;
    await clickAt(page, latitude / 1e7, longitude / 1e7);
    await expect.poll(() => page.textContent('#selection-name')).toBe(feature!.name);
    expect(await page.textContent('#selection-coordinates')).toBe(formatDegrees({ latitude, longitude }));
    await page.close();
  });

  it('clicking anywhere shows the nearest features, as NearestFeatures answers them', async () => {
    const page = await openMap();
    const { viewport, left, top } = await viewOf(page);
    await page.mouse.click(left + viewport.width * 0.3, top + viewport.height * 0.7);
    await expect.poll(() => page.textContent('#selection-name')).toBe('Dropped pin');
    const [latitude, longitude] = (await page.textContent('#selection-coordinates'))!
      .split(', ')
      .map((part) => Number.parseFloat(part) * (/[SW]$/.test(part) ? -1 : 1)) as [number, number];
    const point = { latitude: degreesToE7(latitude, 90)!, longitude: degreesToE7(longitude, 180)! };
    const nearest = await client.nearestFeatures({ point, limit: 5 });
    const names = nearest.features.map(({ feature }) => feature!.name || 'Unnamed feature');
    expect(names).toHaveLength(5);
    await expect.poll(() => page.locator('#nearest-list .primary').allTextContents()).toEqual(names);
    await page.close();
  });

  it('a note posted in one page appears in a second page that views its place', async () => {
    const watcher = await openMap();
    await watching(watcher);
    const poster = await openMap();
    const message = `bridge closed ${Date.now()}`;
    await clickAt(poster, 40.55, -74.45);
    await poster.fill('#note-message', message);
    await poster.click('#note-form button[type="submit"]');
    // Generous: the issue asks for 2 s; this checks that it arrives, not how fast.
    await watcher.waitForSelector(`#live-notes li:has-text("${message}")`, { timeout: 15_000 });
    await expect.poll(() => poster.locator('#notes-here-list .primary').allTextContents()).toContain(message);
    await poster.close();
    await watcher.close();
  });

  it("an invalid note shows the server's message", async () => {
    const page = await openMap();
    await clickAt(page, 40.55, -74.45);
    await page.fill('#note-message', 'x'.repeat(1100));
    await page.click('#note-form button[type="submit"]');
    await expect.poll(() => page.textContent('#note-error')).toBe('message: is 1100 UTF-8 bytes long; must be at most 1024 bytes');
    await page.close();
  });

  it('the view is in the URL: a drag changes it, and the link reopens the same place', async () => {
    const page = await openMap();
    const { viewport, left, top } = await viewOf(page);
    const before = new URL(page.url()).hash;
    await page.mouse.move(left + viewport.width / 2, top + viewport.height / 2);
    await page.mouse.down();
    await page.mouse.move(left + viewport.width / 2 - 150, top + viewport.height / 2 + 80, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => new URL(page.url()).hash).not.toBe(before);
    await page.waitForSelector('body[data-state="ready"]');
    const hash = new URL(page.url()).hash;
    const rectangle = await page.getAttribute('body', 'data-rectangle');
    const reopened = await openMap(hash);
    expect(await reopened.getAttribute('body', 'data-rectangle')).toBe(rectangle);
    await reopened.close();
    await page.close();
  });

  it('two fingers pinching apart zoom in, and one finger drags the map (touch)', async () => {
    const page = await openMap();
    const { view: before, viewport, left, top } = await viewOf(page);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 2 });
    const [x, y] = [left + viewport.width / 2, top + viewport.height / 2];
    const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', points: [number, number][]) =>
      cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points.map(([px, py], id) => ({ x: px, y: py, id })) });
    await touch('touchStart', [[x - 40, y], [x + 40, y]]);
    for (const spread of [60, 90, 120, 160]) await touch('touchMove', [[x - spread, y], [x + spread, y]]);
    await touch('touchEnd', []);
    await expect.poll(async () => (await viewOf(page)).view.zoom).toBeGreaterThan(before.zoom + 1);
    await page.waitForSelector('body[data-state="ready"]');

    const zoomed = (await viewOf(page)).view;
    await touch('touchStart', [[x, y]]);
    for (const step of [20, 60, 100]) await touch('touchMove', [[x + step, y + step / 2]]);
    await touch('touchEnd', []);
    await expect.poll(async () => (await viewOf(page)).view.longitude).toBeLessThan(zoomed.longitude);
    expect((await viewOf(page)).view.latitude).toBeGreaterThan(zoomed.latitude);
    await page.close();
  });

  it('a double click zooms in one level around the point clicked, which stays where it was', async () => {
    const page = await openMap();
    const { view: before, viewport, left, top } = await viewOf(page);
    const [x, y] = [viewport.width * 0.3, viewport.height * 0.6];
    const under = toScreen(before, viewport, before.latitude, before.longitude);
    expect(under).toEqual({ x: viewport.width / 2, y: viewport.height / 2 });
    await page.mouse.dblclick(left + x, top + y);
    await expect.poll(async () => (await viewOf(page)).view.zoom).toBe(before.zoom + 1);
    // The point that was under the pointer is under it still (to the link's rounding of the centre).
    const after = (await viewOf(page)).view;
    const anchor = fromScreen(before, viewport, x, y);
    const moved = toScreen(after, viewport, anchor.latitude, anchor.longitude);
    expect(Math.abs(moved.x - x)).toBeLessThan(1);
    expect(Math.abs(moved.y - y)).toBeLessThan(1);
    await page.waitForSelector('body[data-state="ready"]');
    await page.close();
  });

  it('the arrow keys pan the map and + zooms it in', async () => {
    const page = await openMap();
    const before = (await viewOf(page)).view;
    await page.focus('#map');
    await page.keyboard.press('ArrowRight');
    await expect.poll(async () => (await viewOf(page)).view.longitude).toBeGreaterThan(before.longitude);
    await page.keyboard.press('+');
    await expect.poll(async () => (await viewOf(page)).view.zoom).toBe(before.zoom + 1);
    await page.close();
  });

  it('a screenshot of the map, a feature selected, is saved under the test output', async () => {
    const page = await openMap('#map=9.5/40.62/-74.3');
    await clickAt(page, 40.7838351, -74.6143763);
    await page.waitForSelector('#nearest-list li:nth-child(5)');
    await page.fill('#note-message', 'Trailhead parking is full by 9am');
    await page.click('#note-form button[type="submit"]');
    await page.waitForSelector('#live-notes li');
    const file = join(OUTPUT, 'map.png');
    await page.screenshot({ path: file });
    expect((await page.screenshot()).length).toBeGreaterThan(10_000);
    await page.close();
  });

  it('the page made requests to its server only', () => {
    expect(requests.length).toBeGreaterThan(0);
    const elsewhere = requests.filter((url) => !url.startsWith(`${server.url}/`) && !url.startsWith('data:'));
    expect(elsewhere).toEqual([]);
  });
});
