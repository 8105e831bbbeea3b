import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/build.js';
import { httpBase } from '../support/http.js';
import { startTestServer, type TestServer } from '../support/servers.js';

/** Each `$ curl -s -H HEADER -d BODY \ URL` of the README's HTTP section, with the answer printed under it. */
function readmeCurlExamples(): { header: string; body: string; path: string; answer: string }[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const pattern = /^\$ curl -s -H '([^']+)' -d '([^']+)' \\\n\s+http:\/\/127\.0\.0\.1:8080(\S+)\n(.+)$/gm;
  return [...readme.matchAll(pattern)].map(([, header, body, path, answer]) => ({ header: header!, body: body!, path: path!, answer: answer! }));
}

describe("the README's curl examples", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ http: { port: 0 } });
  });
  afterAll(() => server.stop());

  const examples = readmeCurlExamples();

  it('cover GetFeature and NearestFeatures with a JSON Content-Type', () => {
    expect(examples.map((example) => example.path)).toEqual(
      expect.arrayContaining(['/routeguide.RouteGuide/GetFeature', '/routeguide.extensions.v1.RouteGuideExtensions/NearestFeatures']),
    );
    expect(new Set(examples.map((example) => example.header))).toEqual(new Set(['Content-Type: application/json']));
  });

  for (const example of examples) {
    it(`POST ${example.path} with ${example.body} answers what the README shows`, async () => {
      const [name, value] = example.header.split(/:\s*/) as [string, string];
      // What curl sends for -H and -d: a POST with that header and body.
      const response = await fetch(`${httpBase(server)}${example.path}`, { method: 'POST', headers: { [name]: value }, body: example.body });
      expect(await response.json()).toEqual(JSON.parse(example.answer));
      expect(response.status).toBe('code' in JSON.parse(example.answer) ? 400 : 200);
    });
  }
});
