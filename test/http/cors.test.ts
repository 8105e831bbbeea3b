import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/servers.js';

const BERKSHIRE = { latitude: 409146138, longitude: -746188906 };

describe('CORS on the HTTP port', () => {
  let servers: TestServer[] = [];
  afterEach(async () => {
    for (const server of servers) await server.stop();
    servers = [];
  });

  async function serve(corsOrigins?: readonly string[] | '*'): Promise<number> {
    const server = await startTestServer({ http: { port: 0, corsOrigins } });
    servers.push(server);
    return server.running.http!.port;
  }

  function preflight(port: number, origin: string): Promise<Response> {
    return fetch(`http://127.0.0.1:${port}/routeguide.RouteGuide/GetFeature`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,connect-protocol-version' },
    });
  }

  it("an allowed origin's preflight is answered with the headers a Connect call needs", async () => {
    const port = await serve(['https://map.example.com', 'http://localhost:5173']);
    const response = await preflight(port, 'http://localhost:5173');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('connect-protocol-version');
    // A page elsewhere may send a token.
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    const call = await fetch(`http://127.0.0.1:${port}/routeguide.RouteGuide/GetFeature`, {
      method: 'POST',
      headers: { origin: 'http://localhost:5173', 'content-type': 'application/json' },
      body: JSON.stringify(BERKSHIRE),
    });
    expect(call.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(call.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('grpc-status');
  });

  it("a refused origin's preflight carries no Access-Control-Allow-Origin, so the browser stops the call", async () => {
    const port = await serve(['https://map.example.com']);
    const response = await preflight(port, 'https://evil.example.net');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('by default (same origin only) no origin gets CORS headers; with * every origin does', async () => {
    const sameOrigin = await serve();
    expect((await preflight(sameOrigin, 'https://map.example.com')).headers.get('access-control-allow-origin')).toBeNull();
    const any = await serve('*');
    expect((await preflight(any, 'https://map.example.com')).headers.get('access-control-allow-origin')).toBe('*');
  });
});
