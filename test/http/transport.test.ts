import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, startTestServer, temporaryDirectory, type TestServer } from '../support/servers.js';
import { httpBase, httpClients, rawRequest } from '../support/http.js';

const BERKSHIRE = { latitude: 409146138, longitude: -746188906 };
const BERKSHIRE_NAME = 'Berkshire Valley Management Area Trail, Jefferson, NJ, USA';

describe('the HTTP port: Connect, gRPC-Web and the map files', () => {
  const web = temporaryDirectory();
  let server: TestServer;
  let base: string;
  let port: number;

  beforeAll(async () => {
    writeFileSync(join(web.path, 'index.html'), '<!doctype html><title>map</title>');
    mkdirSync(join(web.path, 'assets'));
    writeFileSync(join(web.path, 'assets', 'map.js'), 'console.log("map");');
    writeFileSync(join(web.path, 'assets', 'map.css'), 'body { margin: 0 }');
    server = await startTestServer({ http: { port: 0, webRoot: web.path } });
    base = httpBase(server);
    port = server.running.http!.port;
  });
  afterAll(async () => {
    await server.stop();
    web.remove();
  });

  for (const protocol of ['connect-json', 'connect-binary', 'grpc-web'] as const) {
    it(`GetFeature over ${protocol} answers the stored feature`, async () => {
      const { guide } = httpClients(base, protocol);
      const feature = await guide.getFeature(BERKSHIRE);
      expect(feature.name).toBe(BERKSHIRE_NAME);
      expect(feature.location).toMatchObject(BERKSHIRE);
    });

    it(`ListFeatures over ${protocol} streams the features gRPC streams`, async () => {
      const { guide } = httpClients(base, protocol);
      const rectangle = { lo: { latitude: 400000000, longitude: -750000000 }, hi: { latitude: 420000000, longitude: -730000000 } };
      const overHttp = (await collect(guide.listFeatures(rectangle))).map((feature) => feature.name);
      const overGrpc = (await collect(server.client.listFeatures(rectangle))).map((feature) => feature.name);
      expect(overHttp.length).toBeGreaterThan(0);
      expect(overHttp).toEqual(overGrpc);
    });
  }

  it('GET / serves index.html as HTML', async () => {
    const response = await fetch(`${base}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain('<title>map</title>');
  });

  it('other files are served by path with their content types', async () => {
    const script = await fetch(`${base}/assets/map.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^(text|application)\/javascript/);
    expect(await script.text()).toBe('console.log("map");');
    const style = await fetch(`${base}/assets/map.css`);
    expect(style.headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('a path that climbs out of the web root is refused, and a missing file is 404', async () => {
    for (const path of ['/../package.json', '/assets/../../package.json', '/%2e%2e/package.json', '/assets/%2e%2e/%2e%2e/package.json']) {
      const response = await rawRequest(port, path);
      expect([403, 404], path).toContain(response.status);
      expect(response.body, path).not.toContain('"name"');
    }
    expect((await fetch(`${base}/nothing-here.js`)).status).toBe(404);
  });
});

describe('the HTTP port without a built map', () => {
  const empty = temporaryDirectory();
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ http: { port: 0, webRoot: join(empty.path, 'web') } });
  });
  afterAll(async () => {
    await server.stop();
    empty.remove();
  });

  it('GET / answers 404 with one line saying to run npm run build', async () => {
    const response = await fetch(`${httpBase(server)}/`);
    expect(response.status).toBe(404);
    const text = await response.text();
    expect(text.trim().split('\n')).toHaveLength(1);
    expect(text).toContain('npm run build');
  });
});
