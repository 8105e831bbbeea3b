/** `host:port`, with an IPv6 literal in brackets (`[::1]:50051`), as addresses are written and bound. */
export function formatHostPort(host: string, port: number | string): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
