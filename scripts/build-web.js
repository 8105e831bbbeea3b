// Builds the map page into dist/web/: the bundle (esbuild), index.html, the CSS and world-atlas's
// Natural Earth outlines, so the page needs nothing from the internet. Run by `npm run build`.
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist/web');
const require = createRequire(import.meta.url);
const atlas = dirname(require.resolve('world-atlas/package.json'));

mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(root, 'web/src/main.ts')],
  outfile: join(out, 'map.js'),
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
});
copyFileSync(join(root, 'web/index.html'), join(out, 'index.html'));
copyFileSync(join(root, 'web/map.css'), join(out, 'map.css'));
for (const file of ['countries-110m.json', 'countries-50m.json']) copyFileSync(join(atlas, file), join(out, file));
