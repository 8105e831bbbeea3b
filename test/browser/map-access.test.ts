import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testClients, writeAuthFile } from '../support/access.js';
import { chromiumAvailable, launchChromium, startMapServer, type MapServer } from '../support/browser.js';
import { temporaryDirectory } from '../support/servers.js';

/** A view of northern New Jersey, where the canonical features are. */
const VIEW = '#map=9/40.6/-74.5';

describe.skipIf(!chromiumAvailable())('the map asks for a token where the server wants one', () => {
  const directory = temporaryDirectory();
  const { reader, writer } = testClients();
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  const servers: MapServer[] = [];
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    for (const server of servers) await server.stop();
    directory.remove();
  });

  async function serve(anonymous: 'none' | 'read'): Promise<MapServer> {
    const authFile = writeAuthFile(directory.path, [reader, writer], `map-${anonymous}.auth`);
    const server = await startMapServer(['--storage', 'memory:', '--auth-file', authFile, '--anonymous', anonymous]);
    servers.push(server);
    return server;
  }

  /** Selects a spot on the map so that the note form shows. */
  async function select(page: Page): Promise<void> {
    const box = (await page.locator('#map').boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForSelector('#note-form:not([hidden])');
  }

  async function post(page: Page, message: string, token?: string): Promise<void> {
    await page.fill('#note-message', message);
    if (token !== undefined) await page.fill('#note-token', token);
    await page.click('#note-form button[type="submit"]');
  }

  it('with anonymous reading off, it asks before it loads, shows a refused token as an error, and loads once given a good one', { timeout: 60_000 }, async () => {
    const server = await serve('none');
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/${VIEW}`);
    await page.waitForSelector('body[data-state="token"]');
    expect(await page.isVisible('#token-gate')).toBe(true);
    expect(Number(await page.getAttribute('#features', 'data-drawn'))).toBe(0);
    await page.fill('#gate-token', 'rg_not-a-token');
    await page.click('#token-gate button[type="submit"]');
    await expect.poll(() => page.textContent('#gate-error'), { timeout: 10_000 }).toContain('unknown token');
    await page.fill('#gate-token', reader.token!);
    await page.click('#token-gate button[type="submit"]');
    await page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
    expect(Number(await page.getAttribute('#features', 'data-drawn'))).toBeGreaterThan(0);
    // Kept for the tab's session only.
    expect(await page.evaluate("sessionStorage.getItem('routeguide-token')")).toBe(reader.token);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    await page.close();
  });

  it('with anonymous writing off, the note form asks for a token and shows the server refusal of one without the scope', { timeout: 60_000 }, async () => {
    const server = await serve('read');
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/${VIEW}`);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
    await select(page);
    expect(await page.isVisible('#note-token')).toBe(true);
    await post(page, 'without a token');
    await expect.poll(() => page.textContent('#note-error'), { timeout: 10_000 }).toContain('PostNote needs a token with the write scope');
    await post(page, 'as the reader', reader.token);
    await expect.poll(() => page.textContent('#note-error'), { timeout: 10_000 }).toBe('client reader has the read scope; PostNote needs write');
    await post(page, 'as the writer', writer.token);
    await expect.poll(() => page.textContent('#notes-here-list'), { timeout: 10_000 }).toContain('as the writer');
    expect(await page.textContent('#note-error')).toBe('');
    await page.close();
  });
});
