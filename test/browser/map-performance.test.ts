import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouteGuideClient, type RouteGuideClient } from '../../src/client/client.js';
import { syntheticFeatures } from '../../src/feature-files/synthetic-features.js';
import { boundsRectangle, type E7Rectangle } from '../../web/src/client.js';
import { toScreen, viewBounds, type View } from '../../web/src/view.js';
import { POINT_CAP } from '../../web/src/view-data.js';
import { BIN, ROOT } from '../support/build.js';
import { chromiumAvailable, ensureMapBuilt, launchChromium, OUTPUT, startMapServer, type MapServer } from '../support/browser.js';
import { temporaryDirectory } from '../support/servers.js';

/**
 * The map at 1,000,000 features: counts where a view holds too many to draw, points where it does
 * not, and how long a pan or a zoom takes to be answered. The targets (300 ms) are measured
 * and reported here (test-results/browser/map-performance.json), never asserted: the machine is shared.
 */

const FEATURES = 1_000_000;
/** The map's size with the side panel beside it, at the browser's 1280 x 800 window. */
const MAP_VIEWPORT = { width: 940, height: 800 };
/** The whole world, every feature in view. */
const WORLD = '#map=1.5/0/0';
/** The world as the tests before counts panned it: 947k of the 1M features in view. */
const WORLD_PANNED = '#map=2/20/0';

let directory: ReturnType<typeof temporaryDirectory>;
let server: MapServer;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let client: RouteGuideClient;
const requests: string[] = [];
const figures: Record<string, number | string> = {};
const format = new Intl.NumberFormat('en-US');

/** ListFeatures' count for a rectangle (read in large batches through ExportFeatures, the same features). */
async function listedIn(rectangle: E7Rectangle): Promise<number> {
  let count = 0;
  for await (const batch of client.exportFeatures({ rectangle, batchSize: 65536 })) count += batch.features.length;
  return count;
}

async function countIn(view: View): Promise<number> {
  return (await client.countFeatures({ rectangle: boundsRectangle(viewBounds(view, MAP_VIEWPORT)), columns: 1, rows: 1 })).total;
}

async function pageRectangle(page: Page): Promise<E7Rectangle> {
  const [loLatitude, loLongitude, hiLatitude, hiLongitude] = (await page.getAttribute('body', 'data-rectangle'))!.split(',').map(Number) as [number, number, number, number];
  return { lo: { latitude: loLatitude, longitude: loLongitude }, hi: { latitude: hiLatitude, longitude: hiLongitude } };
}

async function answers(page: Page): Promise<number> {
  return page.evaluate(() => performance.getEntriesByName('routeguide:view-answered').length);
}

/** Does `act`, then resolves with how long the page took to draw the view it settled on, in ms. */
async function answered(page: Page, act: () => Promise<void>): Promise<number> {
  const before = await answers(page);
  await act();
  await page.waitForFunction((count) => performance.getEntriesByName('routeguide:view-answered').length > count, before, { timeout: 60_000 });
  return page.evaluate(() => performance.getEntriesByName('routeguide:view-answered').at(-1)!.duration);
}

/** Drags the map by (dx, dy) and resolves with how long the new view took to be answered. */
async function pan(page: Page, dx: number, dy: number): Promise<number> {
  const box = (await page.locator('#map').boundingBox())!;
  const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
  return answered(page, async () => {
    await page.mouse.move(x, y);
    await page.mouse.down();
    await page.mouse.move(x + dx, y + dy, { steps: 4 });
    await page.mouse.up();
  });
}

async function fivePans(page: Page): Promise<number[]> {
  const pans = [];
  for (const [dx, dy] of [[200, 0], [-200, 0], [0, 150], [0, -150], [150, 100]] as const) pans.push(await pan(page, dx, dy));
  return pans;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)]!);
}

async function openAt(hash: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${server.url}/${hash}`);
  await page.waitForSelector('body[data-state="ready"]', { timeout: 60_000 });
  return page;
}

const firstLoadMs = (page: Page): Promise<number> => page.evaluate(() => Math.round(performance.getEntriesByName('routeguide:view-answered')[0]!.duration));

describe.skipIf(!chromiumAvailable())('the map at 1,000,000 features, in Chromium', () => {
  beforeAll(async () => {
    ensureMapBuilt();
    directory = temporaryDirectory('routeguide-map-scale-');
    const storage = `sqlite:${join(directory.path, 'map.db')}`;
    execFileSync(process.execPath, [BIN, 'seed', '--storage', storage, '--synthetic', String(FEATURES)], { cwd: ROOT, stdio: 'ignore', timeout: 240_000 });
    server = await startMapServer(['--storage', storage]);
    client = createRouteGuideClient(server.target);
    browser = await launchChromium();
    browser.context.on('request', (request) => requests.push(request.url()));
    mkdirSync(OUTPUT, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    client?.close();
    await server?.stop();
    directory?.remove();
    if (Object.keys(figures).length > 0) writeFileSync(join(OUTPUT, 'map-performance.json'), `${JSON.stringify(figures, null, 2)}\n`);
  });

  it("the world view draws counts whose total is ListFeatures' count for it, with a legend, and says the total", async () => {
    const page = await openAt(WORLD);
    expect(await page.getAttribute('body', 'data-mode')).toBe('counts');
    const listed = await listedIn(await pageRectangle(page));
    expect(listed).toBe(FEATURES);
    expect(Number(await page.getAttribute('#features', 'data-counted'))).toBe(listed);
    expect(Number(await page.getAttribute('#features', 'data-drawn'))).toBe(0);
    expect(await page.textContent('#count')).toBe(`${format.format(listed)} features in view`);
    expect(await page.isVisible('#density-legend')).toBe(true);
    await page.screenshot({ path: join(OUTPUT, 'map-world.png') });
    figures.worldViewLoadMs = await firstLoadMs(page);

    // Among the counts, a click still drops a pin, with its nearest features, and the note form and
    // the live notes work as they do among points.
    const box = (await page.locator('#map').boundingBox())!;
    await page.mouse.click(box.x + box.width * 0.4, box.y + box.height * 0.45);
    await expect.poll(() => page.textContent('#selection-name')).toBe('Dropped pin');
    await page.waitForSelector('#nearest-list li:nth-child(5)');
    expect(await page.locator('#nearest-list .primary').allTextContents()).not.toContain('Looking…');
    const message = `seen from the world view ${Date.now()}`;
    await page.fill('#note-message', message);
    await page.click('#note-form button[type="submit"]');
    await page.waitForSelector(`#live-notes li:has-text("${message}")`, { timeout: 15_000 });
    expect(await page.getAttribute('body', 'data-mode')).toBe('counts');
    await page.close();

    const panned = await openAt(WORLD_PANNED);
    figures.worldPannedViewLoadMs = await firstLoadMs(panned);
    const pans = await fivePans(panned);
    expect(Number(await panned.getAttribute('#features', 'data-counted'))).toBe(await listedIn(await pageRectangle(panned)));
    figures.worldPansMs = pans.map(Math.round).join(', ');
    figures.worldPanMedianMs = median(pans);
    await panned.close();
  }, 180_000);

  it("double clicks on a town zoom in until the map draws points, as many as ListFeatures answers for the view", async () => {
    const town = syntheticFeatures(1).next().value!;
    const page = await openAt(WORLD);
    const zooms: number[] = [];
    for (let step = 0; step < 16 && (await page.getAttribute('body', 'data-mode')) === 'counts'; step++) {
      const view = new URL(page.url()).hash;
      const [zoom, latitude, longitude] = view.slice('#map='.length).split('/').map(Number) as [number, number, number];
      const box = (await page.locator('#map').boundingBox())!;
      const at = toScreen({ zoom, latitude, longitude }, { width: box.width, height: box.height }, town.latitude / 1e7, town.longitude / 1e7);
      zooms.push(await answered(page, () => page.mouse.dblclick(box.x + at.x, box.y + at.y)));
    }
    expect(await page.getAttribute('body', 'data-mode')).toBe('points');
    const listed = await listedIn(await pageRectangle(page));
    expect(listed).toBeLessThanOrEqual(POINT_CAP);
    expect(Number(await page.getAttribute('#features', 'data-drawn'))).toBe(listed);
    expect(await page.textContent('#count')).toBe(`${format.format(listed)} features in view`);
    expect(await page.isHidden('#density-legend')).toBe(true);
    figures.zoomsToPointsMs = zooms.map(Math.round).join(', ');
    figures.zoomMedianMs = median(zooms);
    figures.pointsAfterZooms = listed;
    await page.close();
  }, 180_000);

  /** The first synthetic town's view: the widest zoom with at most the cap (the densest view of points), and the one out from it (just over). */
  async function townViews(): Promise<{ under: View; underCount: number; over: View; overCount: number }> {
    const first = syntheticFeatures(1).next().value!;
    let under: View = { latitude: first.latitude / 1e7, longitude: first.longitude / 1e7, zoom: 6 };
    let underCount = await countIn(under);
    while (underCount > POINT_CAP) {
      under = { ...under, zoom: under.zoom + 0.5 };
      underCount = await countIn(under);
    }
    const over = { ...under, zoom: under.zoom - 0.5 };
    return { under, underCount, over, overCount: await countIn(over) };
  }

  it('in the densest view of points and in a view just over the cap, a pan is answered with the new view', async () => {
    const { under, underCount, over, overCount } = await townViews();
    const dense = await openAt(`#map=${under.zoom}/${under.latitude}/${under.longitude}`);
    expect(await dense.getAttribute('body', 'data-mode')).toBe('points');
    expect(Number(await dense.getAttribute('#features', 'data-drawn'))).toBe(underCount);
    figures.denseView = `#map=${under.zoom}/${under.latitude}/${under.longitude}`;
    figures.denseViewFeatures = underCount;
    figures.denseViewLoadMs = await firstLoadMs(dense);
    const densePans = await fivePans(dense);
    // Each pan kept what stayed in view and loaded the rest: still exactly the view's features.
    expect(Number(await dense.getAttribute('#features', 'data-drawn'))).toBe(await listedIn(await pageRectangle(dense)));
    figures.densePansMs = densePans.map(Math.round).join(', ');
    figures.densePanMedianMs = median(densePans);
    await dense.close();

    const justOver = await openAt(`#map=${over.zoom}/${over.latitude}/${over.longitude}`);
    expect(await justOver.getAttribute('body', 'data-mode')).toBe('counts');
    expect(Number(await justOver.getAttribute('#features', 'data-counted'))).toBe(overCount);
    figures.overView = `#map=${over.zoom}/${over.latitude}/${over.longitude}`;
    figures.overViewFeatures = overCount;
    figures.overViewLoadMs = await firstLoadMs(justOver);
    const overPans = await fivePans(justOver);
    figures.overPansMs = overPans.map(Math.round).join(', ');
    figures.overPanMedianMs = median(overPans);
    await justOver.close();
    console.log(`map at ${FEATURES} features: ${JSON.stringify(figures)}`);
  }, 240_000);

  it('the page made requests to its server only', () => {
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((url) => !url.startsWith(`${server.url}/`) && !url.startsWith('data:'))).toEqual([]);
  });
});
