import { request } from 'node:http';
import { createClient, type Client } from '@connectrpc/connect';
import { createConnectTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import { RouteGuide } from '../../src/gen/es/route_guide_pb.js';
import { RouteGuideExtensions } from '../../src/gen/es/route_guide_extensions_pb.js';
import type { TestServer } from './servers.js';

/** `http://127.0.0.1:PORT` of a test server's HTTP port. */
export function httpBase(server: TestServer): string {
  const http = server.running.http;
  if (!http) throw new Error('the test server has no HTTP port');
  return `http://127.0.0.1:${http.port}`;
}

export type Protocol = 'connect-json' | 'connect-binary' | 'grpc-web';

/** Connect clients of both services over HTTP/1.1 in one of the protocols the HTTP port speaks. */
export function httpClients(baseUrl: string, protocol: Protocol): { guide: Client<typeof RouteGuide>; extensions: Client<typeof RouteGuideExtensions> } {
  const transport =
    protocol === 'grpc-web'
      ? createGrpcWebTransport({ baseUrl, httpVersion: '1.1' })
      : createConnectTransport({ baseUrl, httpVersion: '1.1', useBinaryFormat: protocol === 'connect-binary' });
  return { guide: createClient(RouteGuide, transport), extensions: createClient(RouteGuideExtensions, transport) };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One HTTP/1.1 request with the path sent as written (fetch would normalise `..` away). */
export function rawRequest(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}
