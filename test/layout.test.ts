import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/build.js';

/**
 * The layout's rules, checked on the source: imports run downward (cli -> app -> transports (grpc, http) ->
 * what both transports share (transport) -> service -> index, storage -> ground floor), no two folders import each other, and the service
 * knows no transport.
 */

const SRC = join(ROOT, 'src');

/** The layers, top first (routeguide.ts is the package's entry); a folder may import its own layer and any below it. */
const LAYERS: readonly (readonly string[])[] = [
  ['cli', 'routeguide.ts'],
  ['app'],
  ['grpc', 'http', 'client'],
  ['transport'],
  ['observability'],
  ['service'],
  ['index', 'storage', 'feature-files'],
  ['geo', 'common', 'gen'],
];

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Every import of every source file outside src/gen: the file's folder, and the folder or package imported. */
function imports(): { from: string; file: string; to: string }[] {
  const found: { from: string; file: string; to: string }[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = relative(SRC, file).split('/')[0]!;
    if (from === 'gen') continue;
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/^(?:import|export)[^'"]*from\s+'([^']+)'/gm)) {
      const specifier = match[1]!;
      const to = specifier.startsWith('.') ? relative(SRC, resolve(dirname(file), specifier)).split('/')[0]! : specifier;
      found.push({ from, file: relative(ROOT, file), to });
    }
  }
  return found;
}

function layerOf(folder: string): number {
  return LAYERS.findIndex((layer) => layer.includes(folder));
}

describe('source layout', () => {
  const all = imports();
  const local = all.filter(({ to }) => layerOf(to) !== -1);

  it('every folder of src/ has a layer', () => {
    const folders = readdirSync(SRC, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
    expect(folders.filter((folder) => layerOf(folder) === -1)).toEqual([]);
  });

  it('imports run downward: no folder imports a folder above it', () => {
    const upward = local
      .filter(({ from, to }) => layerOf(to) !== -1 && layerOf(to) < layerOf(from))
      .map(({ file, to }) => `${file} imports ${to}/`);
    expect(upward).toEqual([]);
  });

  it('no two folders import each other', () => {
    const edges = new Set(local.filter(({ from, to }) => from !== to && layerOf(to) !== -1).map(({ from, to }) => `${from}>${to}`));
    const mutual = [...edges].filter((edge) => {
      const [from, to] = edge.split('>');
      return edges.has(`${to}>${from}`);
    });
    expect(mutual).toEqual([]);
  });

  it('the service and everything below it import nothing from @grpc/grpc-js or the generated grpc-js code', () => {
    const below = (folder: string): boolean => layerOf(folder) >= layerOf('service');
    const offending = all
      .filter(({ from }) => below(from))
      .filter(({ file, to }) => to.startsWith('@grpc/') || (to === 'gen' && readFileSync(join(ROOT, file), 'utf8').includes('gen/grpc-js/')))
      .map(({ file, to }) => `${file} imports ${to}`);
    expect(offending).toEqual([]);
  });
});
