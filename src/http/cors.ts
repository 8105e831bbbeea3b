import { cors as connectCors } from '@connectrpc/connect';
import cors from 'cors';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The origins allowed to call from a browser page served elsewhere: a list, or any (`*`). */
export type CorsOrigins = readonly string[] | '*';

/** How long a browser may cache a preflight's answer, in seconds. */
const PREFLIGHT_MAX_AGE_SECONDS = 7200;

/**
 * CORS for the HTTP port through the `cors` package, with the headers Connect and gRPC-Web need
 * (connect-es's own lists), plus `Authorization` for a token and `Retry-After` for a quota. An
 * allowed origin's preflight is answered with its Access-Control-Allow-* headers; a refused one gets
 * none, so the browser stops the call.
 */
export function createCors(origins: CorsOrigins): (request: IncomingMessage, response: ServerResponse, next: () => void) => void {
  return cors({
    origin: origins === '*' ? '*' : [...origins],
    methods: [...connectCors.allowedMethods],
    allowedHeaders: [...connectCors.allowedHeaders, 'Authorization'],
    exposedHeaders: [...connectCors.exposedHeaders, 'Retry-After'],
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
  });
}
