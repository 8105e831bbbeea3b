import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, startMapServer, type MapServer } from '../support/browser.js';

let server: MapServer | undefined;
let browser: Awaited<ReturnType<typeof launchChromium>>;

describe.skipIf(!chromiumAvailable())('the map when its server goes away, in Chromium', () => {
  beforeAll(async () => {
    server = await startMapServer(['--storage', 'memory:']);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows a banner that retries, and hides it once the server answers again', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server!.url}/#map=9/40.6/-74.5`);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
    expect(await page.isVisible('#banner')).toBe(false);

    const { httpPort } = server!;
    await server!.stop();
    server = undefined;
    await page.waitForSelector('#banner', { state: 'visible', timeout: 30_000 });
    expect(await page.textContent('#banner')).toMatch(new RegExp(`^The server at 127\\.0\\.0\\.1:${httpPort} is not answering .*Retrying`));

    // The same port again: the page's retries find it.
    server = await startMapServer(['--storage', 'memory:'], httpPort);
    await page.waitForSelector('#banner', { state: 'hidden', timeout: 30_000 });
    await page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
    expect(Number(await page.getAttribute('#features', 'data-drawn'))).toBeGreaterThan(0);
  }, 90_000);
});
