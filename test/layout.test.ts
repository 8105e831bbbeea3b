import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/build.js';

/**
 * The layout's rules, checked on the source, every kind of import counted (dynamic `import()` too):
 * imports run downward (cli -> app -> transports (grpc, http) -> what both transports share
 * (transport) -> the access rules (access) -> observability -> service -> index, storage -> ground
 * floor), no two folders import each other, and the service knows no transport.
 */

const SRC = join(ROOT, 'src');

/** The layers, top first (routeguide.ts is the package's entry); a folder may import its own layer and any below it. */
const LAYERS: readonly (readonly string[])[] = [
  ['cli', 'routeguide.ts'],
  ['app'],
  ['grpc', 'http', 'client'],
  ['transport'],
  ['access'],
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

/**
 * The modules a source text imports, read from its syntax tree: import and `export ... from`
 * declarations (over any number of lines), `import()` calls, `import('...')` types and
 * `import x = require('...')`. An `import()` of anything but a string literal is reported as
 * `<computed>`, which no rule allows.
 */
function importedModules(text: string): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined) {
      if (ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [specifier] = node.arguments;
      found.push(specifier !== undefined && ts.isStringLiteralLike(specifier) ? specifier.text : '<computed>');
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push(node.argument.literal.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      if (ts.isStringLiteral(node.moduleReference.expression)) found.push(node.moduleReference.expression.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile('source.ts', text, ts.ScriptTarget.Latest));
  return found;
}

/** Every import of every source file outside src/gen: the file's folder, and the folder or package imported. */
function imports(): { from: string; file: string; to: string; path: string }[] {
  const found: { from: string; file: string; to: string; path: string }[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = relative(SRC, file).split('/')[0]!;
    if (from === 'gen') continue;
    for (const specifier of importedModules(readFileSync(file, 'utf8'))) {
      const path = specifier.startsWith('.') ? relative(SRC, resolve(dirname(file), specifier)) : specifier;
      found.push({ from, file: relative(ROOT, file), to: path.split('/')[0]!, path });
    }
  }
  return found;
}

function layerOf(folder: string): number {
  return LAYERS.findIndex((layer) => layer.includes(folder));
}

describe('the import reader', () => {
  it('sees every form of import: multi-line, export ... from, import() calls and types, require', () => {
    const text = [
      "import {",
      "  a,",
      "  b,",
      "} from '../app/a.js';",
      "import type { C } from '../cli/c.js';",
      "import '../http/side-effect.js';",
      "export * from '../grpc/all.js';",
      "export {",
      "  d,",
      "} from '../client/d.js';",
      "const e = await import('../app/e.js');",
      "const f = await import(`../cli/f.js`);",
      "const g = await import(name);",
      "type H = import('../http/h.js').H;",
      "import i = require('../grpc/i.js');",
      "const text = 'import x from \\'../app/not-an-import.js\\'';",
    ].join('\n');
    expect(importedModules(text)).toEqual([
      '../app/a.js',
      '../cli/c.js',
      '../http/side-effect.js',
      '../grpc/all.js',
      '../client/d.js',
      '../app/e.js',
      '../cli/f.js',
      '<computed>',
      '../http/h.js',
      '../grpc/i.js',
    ]);
  });
});

describe('source layout', () => {
  const all = imports();
  const local = all.filter(({ to }) => layerOf(to) !== -1);

  it('every folder of src/ has a layer', () => {
    const folders = readdirSync(SRC, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
    expect(folders.filter((folder) => layerOf(folder) === -1)).toEqual([]);
  });

  it('every import() names its module with a string, so that these rules can read it', () => {
    expect(all.filter(({ to }) => to === '<computed>').map(({ file }) => file)).toEqual([]);
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

  it('only src/storage imports its backends (storage/sqlite, storage/postgres): the rest goes through the contract and openStorage', () => {
    const offending = all
      .filter(({ from, path }) => from !== 'storage' && /^storage\/(sqlite|postgres)\//.test(path))
      .map(({ file, path }) => `${file} imports ${path}`);
    expect(offending).toEqual([]);
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
