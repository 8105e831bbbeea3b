import { isIPv6 } from 'node:net';
import { z } from 'zod';
import { booleanSetting, optionalSecondsSetting, optionalTextSetting } from '../common/setting-values.js';

/**
 * The client commands' own environment variables: `--x-y` reads `ROUTEGUIDE_CLIENT_X_Y`, never a
 * serve variable, so that a server's ROUTEGUIDE_TLS_CERT exported in the same shell is not
 * presented as the client's certificate.
 */
export const CLIENT_ENVIRONMENT_PREFIX = 'ROUTEGUIDE_CLIENT_';

/** The port of a target given without one: the server's default, not gRPC's 443. */
export const DEFAULT_PORT = 50051;
const DEFAULT_TARGET = `127.0.0.1:${DEFAULT_PORT}`;

/** gRPC name schemes (`dns:`, `unix:`, ...), whose targets are passed on as given. */
const NAME_SCHEME = /^(dns|unix|unix-abstract|ipv4|ipv6|xds):/i;

/**
 * A target as grpc-js takes it, with the default port added where none is given: `host`,
 * `[::1]` and a bare `::1` get `:50051`; `host:port`, `[::1]:port` and `dns:`/`unix:` names stay
 * as they are. Undefined for text that is none of these (`host:abc`).
 */
export function targetWithPort(text: string): string | undefined {
  if (NAME_SCHEME.test(text)) return text;
  if (isIPv6(text)) return `[${text}]:${DEFAULT_PORT}`;
  const match = /^(?:\[([^\]]+)\]|([^\s:[\]/]+))(?::(\d+))?$/.exec(text);
  if (!match) return undefined;
  const [, ipv6, host, port] = match;
  if (ipv6 !== undefined && !isIPv6(ipv6)) return undefined;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return undefined;
  return `${ipv6 === undefined ? host : `[${ipv6}]`}:${port ?? DEFAULT_PORT}`;
}

function targetSetting() {
  return z
    .string()
    .optional()
    .refine((text) => text === undefined || targetWithPort(text) !== undefined, {
      error: `must be HOST or HOST:PORT (an IPv6 address in brackets: [::1]:${DEFAULT_PORT}); the port defaults to ${DEFAULT_PORT}`,
    })
    .transform((text) => targetWithPort(text ?? DEFAULT_TARGET)!);
}

export const clientSettings = {
  target: {
    schema: targetSetting(),
    description: `server address; the port defaults to ${DEFAULT_PORT}`,
    defaultText: DEFAULT_TARGET,
    valueName: 'HOST[:PORT]',
  },
  timeout: {
    schema: optionalSecondsSetting(),
    description: 'deadline of each call, in seconds; a call still going then fails with DEADLINE_EXCEEDED',
    defaultText: 'none',
    valueName: 'SECONDS',
  },
  json: { schema: booleanSetting(), description: 'print one JSON object per result', defaultText: 'false', boolean: true },
  tls: { schema: booleanSetting(), description: "use TLS, trusting the system's root certificates (implied by --tls-*)", defaultText: 'false', boolean: true },
  'tls-ca': { schema: optionalTextSetting(), description: 'trust servers whose certificate this PEM CA signed', defaultText: "none: the system's roots", valueName: 'FILE' },
  'tls-cert': { schema: optionalTextSetting(), description: 'present this PEM client certificate (for mTLS; needs --tls-key)', defaultText: 'none', valueName: 'FILE' },
  'tls-key': { schema: optionalTextSetting(), description: 'the PEM private key for --tls-cert', defaultText: 'none', valueName: 'FILE' },
  'token-file': {
    schema: optionalTextSetting(),
    description: 'send the token in this file (from routeguide token) with every call, as authorization: Bearer',
    defaultText: 'none: calls are anonymous',
    valueName: 'FILE',
  },
} as const;
