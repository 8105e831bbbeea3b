import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import serveStatic from 'serve-static';

/** The map's assets, built by `npm run build` into the package's dist/web (from src/http or dist/http alike). */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../dist/web/', import.meta.url));

export type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

function answer(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${text}\n`);
}

/**
 * Serves the files under `root` by path (`/` is index.html), with content types by extension, through
 * serve-static (which refuses `..` and dotfiles). What is not there is 404; `/` without index.html
 * says how to build the map.
 */
export function createStaticFiles(root: string): RequestListener {
  const serve = serveStatic(root, { index: ['index.html'], redirect: false, fallthrough: true });
  return (request, response) => {
    serve(request, response, (error?: unknown) => {
      const path = (request.url ?? '/').split('?')[0];
      if (error !== undefined && error !== null) {
        const status = (error as { status?: number }).status ?? 500;
        answer(response, status, status === 403 ? 'forbidden' : status >= 500 ? 'could not read the file' : 'not found');
      } else if (path === '/' && !existsSync(join(root, 'index.html'))) {
        answer(response, 404, `the map is not built (no ${join(root, 'index.html')}); run \`npm run build\``);
      } else {
        answer(response, 404, 'not found');
      }
    });
  };
}
