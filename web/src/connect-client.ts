import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-web';
import { RouteGuideExtensions } from '../../src/gen/es/route_guide_extensions_pb.js';
import { sendToken } from './access.js';
import type { ExtensionsClient } from './client.js';

/** RouteGuideExtensions over Connect (binary) to the page's own origin, with the tab's token when it has one. */
export function createExtensionsClient(): ExtensionsClient {
  const transport = createConnectTransport({ baseUrl: window.location.origin, useBinaryFormat: true, interceptors: [sendToken] });
  return createClient(RouteGuideExtensions, transport);
}
