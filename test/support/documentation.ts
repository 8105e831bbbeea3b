import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './build.js';

/** README.md, then docs/*.md in name order: the documents whose examples and links are checked. */
export function documentationFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).sort();
  return ['README.md', ...docs.map((name) => `docs/${name}`)];
}

/** One `$ command` of a ```console block, with the lines shown under it up to the next `$ ` or the block's end. */
export interface ConsoleExample {
  /** The document, relative to the repository root, and the line of the `$ `, counting from 1. */
  readonly file: string;
  readonly line: number;
  /** The command without its `$ `, continuation lines (`\` at a line's end) joined, the here-document left out. */
  readonly command: string;
  /** The text of a here-document (`<<'EOF'` ... `EOF`), if the command has one: what it reads on stdin. */
  readonly input: string | undefined;
  /** The output shown, its lines joined by `\n`; '' when none is shown. */
  readonly output: string;
}

const HERE_DOCUMENT = /\s*<<\s*'?([A-Za-z_]+)'?/;

/** Every `$ command` in the ```console blocks of `file` (relative to the repository root). */
export function consoleExamples(file: string): ConsoleExample[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const examples: ConsoleExample[] = [];
  let inConsole = false;
  let indent = '';
  let current: { line: number; command: string; input: string | undefined; output: string[] } | undefined;
  const finish = () => {
    if (current) examples.push({ file, line: current.line, command: current.command, input: current.input, output: current.output.join('\n') });
    current = undefined;
  };
  for (let index = 0; index < lines.length; index++) {
    const fence = /^(\s*)```(\S*)/.exec(lines[index]!);
    if (fence) {
      finish();
      inConsole = !inConsole && fence[2] === 'console';
      indent = fence[1]!; // a block inside a list item is indented with it
      continue;
    }
    if (!inConsole) continue;
    const text = lines[index]!.startsWith(indent) ? lines[index]!.slice(indent.length) : lines[index]!;
    const prompt = /^\$ (.*)$/.exec(text);
    if (!prompt) {
      current?.output.push(text);
      continue;
    }
    finish();
    const line = index + 1;
    let command = prompt[1]!;
    while (command.endsWith('\\') && index + 1 < lines.length) command = `${command.slice(0, -1)} ${lines[++index]!.trim()}`;
    let input: string | undefined;
    const hereDocument = HERE_DOCUMENT.exec(command);
    if (hereDocument) {
      command = command.replace(HERE_DOCUMENT, '');
      const body: string[] = [];
      while (index + 1 < lines.length && lines[index + 1]!.trim() !== hereDocument[1]) body.push(lines[++index]!.trim());
      index++;
      input = `${body.join('\n')}\n`;
    }
    current = { line, command: command.trim(), input, output: [] };
  }
  finish();
  return examples;
}

/**
 * A command line split into words as sh would, for the commands the documents show: single and
 * double quotes, backslash escapes, `# comments`; `|`, `<`, `>`, `;` and `&` come back as words of
 * their own, so that a runner can refuse what it cannot do.
 */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let index = 0; index < command.length; index++) {
    const character = command[index]!;
    if (/\s/.test(character)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (character === '#' && word === undefined) {
      break;
    } else if ('|<>;&'.includes(character)) {
      if (word !== undefined) words.push(word);
      words.push(character);
      word = undefined;
    } else if (character === "'") {
      const end = command.indexOf("'", index + 1);
      if (end < 0) throw new Error(`unterminated ' in: ${command}`);
      word = (word ?? '') + command.slice(index + 1, end);
      index = end;
    } else if (character === '"') {
      word ??= '';
      for (index++; index < command.length && command[index] !== '"'; index++) {
        if (command[index] === '\\' && '"\\$`'.includes(command[index + 1] ?? '')) index++;
        word += command[index];
      }
      if (index >= command.length) throw new Error(`unterminated " in: ${command}`);
    } else if (character === '\\') {
      word = (word ?? '') + (command[++index] ?? '');
    } else {
      word = (word ?? '') + character;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a Markdown file's headings (outside code blocks), with GitHub's `-1`, `-2` for repeats. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const line of withoutCode(markdown, { inline: false }).split('\n')) {
    const heading = /^#{1,6} (.+)$/.exec(line);
    if (!heading) continue;
    const anchor = headingAnchor(heading[1]!);
    let unique = anchor;
    for (let repeat = 1; anchors.has(unique); repeat++) unique = `${anchor}-${repeat}`;
    anchors.add(unique);
  }
  return anchors;
}

/** The targets of a Markdown file's links and images, outside code, that are not on another site. */
export function relativeLinks(markdown: string): string[] {
  const targets = [...withoutCode(markdown).matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!);
  return targets.filter((target) => !/^[a-z]+:/i.test(target));
}

/** The text with fenced code blocks, and unless told otherwise inline code, blanked out (line breaks kept). */
function withoutCode(markdown: string, { inline = true } = {}): string {
  const text = markdown.replace(/^\s*```[\s\S]*?^\s*```/gm, (block) => block.replace(/[^\n]/g, ' '));
  return inline ? text.replace(/`[^`\n]*`/g, (code) => ' '.repeat(code.length)) : text;
}
