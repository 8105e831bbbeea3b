import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouteGuideClient, type RouteGuideClient } from '../../src/client/client.js';
import { syntheticFeatures } from '../../src/feature-files/synthetic-features.js';
import { boundsRectangle } from '../../web/src/client.js';
import { viewBounds, type View } from '../../web/src/view.js';
import { BIN, ROOT } from '../support/build.js';
import { chromiumAvailable, ensureMapBuilt, launchChromium, OUTPUT, startMapServer, type MapServer } from '../support/browser.js';
import { temporaryDirectory } from '../support/servers.js';

/**
 * The map at 1,000,000 features: the cap, and how long a pan takes to be answered. The issue's
 * targets (a pan under 300 ms) are measured and reported here, never asserted: this machine is shared.
 */

const FEATURES = 1_000_000;
/** The map's size with the side panel beside it, at the browser's 1280 x 800 window. */
const MAP_VIEWPORT = { width: 940, height: 800 };

let directory: ReturnType<typeof temporaryDirectory>;
let server: MapServer;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let client: RouteGuideClient;
const figures: Record<string, number | string> = {};

async function countIn(view: View): Promise<number> {
  let count = 0;
  for await (const batch of client.exportFeatures({ rectangle: boundsRectangle(viewBounds(view, MAP_VIEWPORT)), batchSize: 65536 })) count += batch.features.length;
  return count;
}

/** Drags the map by (dx, dy) and resolves with how long the page took to draw the new view's features, in ms. */
async function pan(page: Page, dx: number, dy: number): Promise<number> {
  const box = (await page.locator('#map').boundingBox())!;
  const before = await page.evaluate(() => performance.getEntriesByName('routeguide:view-answered').length);
  const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + dx, y + dy, { steps: 4 });
  await page.mouse.up();
  await page.waitForFunction((count) => performance.getEntriesByName('routeguide:view-answered').length > count, before, { timeout: 60_000 });
  return page.evaluate(() => performance.getEntriesByName('routeguide:view-answered').at(-1)!.duration);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe.skipIf(!chromiumAvailable())('the map at 1,000,000 features, in Chromium', () => {
  beforeAll(async () => {
    ensureMapBuilt();
    directory = temporaryDirectory('routeguide-map-scale-');
    const storage = `sqlite:${join(directory.path, 'map.db')}`;
    execFileSync(process.execPath, [BIN, 'seed', '--storage', storage, '--synthetic', String(FEATURES)], { cwd: ROOT, stdio: 'ignore', timeout: 240_000 });
    server = await startMapServer(['--storage', storage]);
    client = createRouteGuideClient(server.target);
    browser = await launchChromium();
    mkdirSync(OUTPUT, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    client?.close();
    await server?.stop();
    directory?.remove();
    if (Object.keys(figures).length > 0) writeFileSync(join(OUTPUT, 'map-performance.json'), `${JSON.stringify(figures, null, 2)}\n`);
  });

  it('past 100,000 features in view it stops loading and says to zoom in', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/#map=2/20/0`);
    await page.waitForSelector('body[data-state="capped"]', { timeout: 60_000 });
    expect(await page.textContent('#count')).toBe('More than 100,000 features in view: showing the first 100,000. Zoom in to see them all.');
    expect(Number(await page.getAttribute('#features', 'data-drawn'))).toBe(100_000);
    figures.worldViewLoadMs = Math.round(await page.evaluate(() => performance.getEntriesByName('routeguide:view-answered')[0]!.duration));
    const worldPans = [];
    for (const [dx, dy] of [[200, 0], [-200, 0], [0, 150], [0, -150], [150, 100]] as const) worldPans.push(await pan(page, dx, dy));
    figures.worldPansMs = worldPans.map((ms) => Math.round(ms)).join(', ');
    figures.worldPanMedianMs = median(worldPans);
    figures.worldPanMaxMs = Math.max(...worldPans);
    await page.close();
  }, 180_000);

  it('a pan in the densest view under the cap is answered with the features of the new view', async () => {
    // The first synthetic feature's town, at the widest zoom that holds no more than the cap.
    const first = syntheticFeatures(1).next().value!;
    let view: View = { latitude: first.latitude / 1e7, longitude: first.longitude / 1e7, zoom: 6 };
    let inView = await countIn(view);
    while (inView > 100_000) {
      view = { ...view, zoom: view.zoom + 1 };
      inView = await countIn(view);
    }
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/#map=${view.zoom}/${view.latitude}/${view.longitude}`);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 60_000 });
    expect(Number(await page.getAttribute('#features', 'data-drawn'))).toBe(inView);
    // For comparison in the same run: the whole view loaded and drawn from nothing.
    figures.denseViewLoadMs = Math.round(await page.evaluate(() => performance.getEntriesByName('routeguide:view-answered')[0]!.duration));
    const pans = [];
    for (const [dx, dy] of [[200, 0], [-200, 0], [0, 150], [0, -150], [150, 100]] as const) pans.push(await pan(page, dx, dy));
    // Each pan kept what stayed in view and loaded the rest: still exactly the view's features.
    const [loLatitude, loLongitude, hiLatitude, hiLongitude] = (await page.getAttribute('body', 'data-rectangle'))!.split(',').map(Number) as [number, number, number, number];
    let listed = 0;
    for await (const batch of client.exportFeatures({ rectangle: { lo: { latitude: loLatitude, longitude: loLongitude }, hi: { latitude: hiLatitude, longitude: hiLongitude } } })) listed += batch.features.length;
    expect(Number(await page.getAttribute('#features', 'data-drawn'))).toBe(listed);
    figures.densePansMs = pans.map((ms) => Math.round(ms)).join(', ');
    figures.denseView = `#map=${view.zoom}/${view.latitude}/${view.longitude}`;
    figures.denseViewFeatures = inView;
    figures.densePanMedianMs = median(pans);
    figures.densePanMaxMs = Math.max(...pans);
    console.log(`map at ${FEATURES} features: ${JSON.stringify(figures)}`);
    await page.close();
  }, 180_000);
});
