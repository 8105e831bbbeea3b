/*
 * The elements of one JSON array in a streamed file, parsed by the native JSON.parse many at a time.
 * A scan that only follows strings and nesting finds where the elements end; each chunk's complete
 * elements are then parsed in one JSON.parse call. Measured on 1M route_guide_db.json entries, that
 * is several times faster than a streaming tokenizer (stream-json), and memory holds one chunk.
 * Inside an array of objects, the scan is mostly skipped: each chunk is cut at a guessed boundary
 * that its parse proves (json-element-run.ts), and only a chunk where the guess fails is scanned.
 */

import { guessedElementRun } from './json-element-run.js';

/** The file is not JSON, or not the JSON expected; `entry` is the element's index, when known. */
export class JsonElementsError extends Error {
  override readonly name = 'JsonElementsError';
  constructor(
    readonly kind: 'syntax' | 'shape',
    message: string,
    readonly entry?: number,
  ) {
    super(message);
  }
}

/** Where the array is: the whole document, or the member with this key of a top-level object. */
export type ArrayAt = { readonly kind: 'document' } | { readonly kind: 'member'; readonly key: string };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const BYTE_ORDER_MARK = 0xfeff;

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/** Parses `text`, the elements between two cuts, reporting a bad one by its index. */
function parseElements(text: string, firstEntry: number): unknown[] {
  try {
    return JSON.parse(`[${text}]`) as unknown[];
  } catch {
    // Find the first bad element, for a message that names it.
    let entry = firstEntry;
    for (const element of splitTopLevel(text)) {
      try {
        JSON.parse(element);
      } catch (error) {
        throw new JsonElementsError('syntax', (error as Error).message, entry);
      }
      entry++;
    }
    throw new JsonElementsError('syntax', 'a comma without an element after it', entry - 1);
  }
}

/** `text` split at its commas outside strings and nesting. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (c === BACKSLASH) escaped = true;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
    else if (c === COMMA && depth === 0) {
      parts.push(text.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(text.slice(from));
  return parts;
}

/** Where the scan of the whole input stands between two chunks. */
class Scan {
  depth = 0;
  started = false;
  /** 0 before the array, 1 inside it, 2 after it. */
  phase = 0;
  /** For a member array: the last string that ended at depth 1, and the key it became at its colon. */
  lastString: string | undefined = undefined;
  key: string | undefined = undefined;
  /** Element texts ready to parse, each ending at a cut (a comma or the array's end). */
  readonly ready: string[] = [];

  constructor(
    readonly memberKey: string | undefined,
    readonly targetDepth: number,
  ) {}

  /** Where, in the text last scanned, the text that the next chunk continues begins. */
  keepFrom = 0;

  /**
   * Scans `text` from `start`, queueing the complete elements in `ready`. Returns where the next
   * scan resumes: the end, or an unfinished string. Sets `keepFrom` to the first character the
   * next chunk's text must still hold: the unfinished elements, or the unfinished string.
   */
  scan(text: string, start: number): number {
    const { memberKey, targetDepth } = this;
    // Inside the array, the text begins with the elements not yet queued.
    let from = this.phase === 1 ? 0 : start;
    let cut = -1;
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (isWhitespace(c)) continue;
      if (!this.started) {
        if (c === BYTE_ORDER_MARK) continue;
        this.started = true;
        if (c !== (memberKey === undefined ? OPEN_BRACKET : OPEN_BRACE)) {
          throw new JsonElementsError(
            'shape',
            memberKey === undefined ? 'the document is not an array' : `the document is not an object with a "${memberKey}" array`,
          );
        }
      }
      if (this.phase === 2 && this.depth === 0) throw new JsonElementsError('syntax', `unexpected ${JSON.stringify(text[i])} after the array`);
      if (c === QUOTE) {
        // Jump to the closing quote: one not escaped by an odd run of backslashes.
        let end = text.indexOf('"', i + 1);
        while (end !== -1 && isEscaped(text, end)) end = text.indexOf('"', end + 1);
        if (end === -1) return this.stop(text, from, cut, i);
        if (this.phase === 0 && this.depth === 1 && memberKey !== undefined) this.lastString = text.slice(i + 1, end);
        i = end;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (this.phase === 0 && this.depth === targetDepth - 1 && (memberKey === undefined || this.key === memberKey)) {
          if (c !== OPEN_BRACKET) throw new JsonElementsError('shape', `"${memberKey}" is not an array`);
          this.phase = 1;
          from = i + 1;
        }
        this.depth++;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        this.depth--;
        if (this.depth < 0) throw new JsonElementsError('syntax', `unexpected ${JSON.stringify(text[i])}`);
        if (this.phase === 1 && this.depth === targetDepth - 1) {
          this.ready.push(text.slice(from, i));
          this.phase = 2;
          cut = -1;
        }
      } else if (c === COMMA) {
        if (this.phase === 1 && this.depth === targetDepth) cut = i;
        else if (this.depth === 1) this.key = undefined;
      } else if (c === COLON && this.depth === 1) {
        this.key = this.lastString;
      }
    }
    return this.stop(text, from, cut, text.length);
  }

  private stop(text: string, from: number, cut: number, resumeAt: number): number {
    if (this.phase !== 1) {
      this.keepFrom = resumeAt;
    } else if (cut > from) {
      this.ready.push(text.slice(from, cut));
      this.keepFrom = cut + 1;
    } else {
      this.keepFrom = from;
    }
    return resumeAt;
  }
}

function isEscaped(text: string, quote: number): boolean {
  let backslashes = 0;
  for (let i = quote - 1; text.charCodeAt(i) === BACKSLASH; i--) backslashes++;
  return backslashes % 2 === 1;
}

/** Chunks whose guessed boundary failed before the fast path is given up for the file: its elements are not plain objects. */
const MAX_GUESS_FAILURES = 4;

/** Parses the element texts the scan queued, in batches, counting them with `counted`. */
function* parseReady(scan: Scan, firstEntry: number, counted: (count: number) => void): Generator<unknown[]> {
  let entry = firstEntry;
  for (const elements of scan.ready.splice(0)) {
    const batch = parseElements(elements, entry);
    entry += batch.length;
    counted(batch.length);
    yield batch;
  }
}

/**
 * Yields the elements of the array `at` in `chunks` (text, in order), in batches of the elements
 * each chunk completed. Throws JsonElementsError: `shape` when the document is not an array (or
 * not an object with that array member), `syntax` when it is not valid JSON. Text outside the
 * array's elements is checked only for nesting, except that nothing may follow a document array.
 */
export async function* jsonArrayElements(chunks: AsyncIterable<string>, at: ArrayAt): AsyncGenerator<unknown[]> {
  const memberKey = at.kind === 'member' ? at.key : undefined;
  const scan = new Scan(memberKey, memberKey === undefined ? 1 : 2);
  let carry = '';
  let resumeAt = 0;
  let entry = 0;
  let guessFailures = 0;
  /** Whether `carry` is text the fast path left, not yet seen by the scan. */
  let unscanned = false;
  for await (const chunk of chunks) {
    // Inside the array, `carry` begins at an element: try the fast path first (json-element-run.ts).
    const run = scan.phase === 1 && guessFailures < MAX_GUESS_FAILURES ? guessedElementRun(carry, chunk) : 'no boundary';
    if (typeof run === 'object') {
      // The parse proved the cut is between two elements, where the scan would stand too.
      scan.depth = scan.targetDepth;
      resumeAt = 0;
      carry = run.rest;
      unscanned = true;
      entry += run.elements.length;
      yield run.elements;
      continue;
    }
    if (run === 'not elements') guessFailures++;
    unscanned = false;
    const text = carry + chunk;
    resumeAt = scan.scan(text, resumeAt) - scan.keepFrom;
    carry = text.slice(scan.keepFrom);
    yield* parseReady(scan, entry, (count) => (entry += count));
  }
  if (unscanned) {
    // The fast path left text the scan has not seen: the array's end, or a truncated element.
    scan.scan(carry, 0);
    yield* parseReady(scan, entry, (count) => (entry += count));
  }
  if (scan.phase !== 2) {
    if (!scan.started) throw new JsonElementsError('syntax', 'the file is empty');
    if (scan.phase === 0) {
      throw new JsonElementsError('shape', memberKey === undefined ? 'the document is not an array' : `the document has no "${memberKey}" array`);
    }
    throw new JsonElementsError('syntax', `the file ends inside the array, after ${entry} complete ${entry === 1 ? 'entry' : 'entries'}`, entry);
  }
  if (scan.depth !== 0) throw new JsonElementsError('syntax', 'the file ends before the document closes');
}
