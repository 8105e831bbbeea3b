/*
 * RFC 4180 CSV, parsed from text chunks into rows of fields, each with the line it starts on. A
 * scan of character codes, with indexOf to jump to a quoted field's closing quote: measured on 1M
 * rows, several times faster than csv-parse, and the lines come free (csv-parse's cost a third
 * more time, so the reader used to read the file again to name a bad row's line).
 */

const QUOTE = 0x22;
const COMMA = 0x2c;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** The text is not RFC 4180 CSV: a stray or unterminated quote. */
export class CsvSyntaxError extends Error {
  override readonly name = 'CsvSyntaxError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** Rows parsed from one chunk: their fields, and the line each starts on. */
export interface CsvRows {
  readonly rows: string[][];
  readonly lines: number[];
}

function linesIn(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

/**
 * A streaming RFC 4180 parser: fields separated by commas, rows by LF or CRLF; a field in double
 * quotes may hold commas, line breaks and doubled quotes (""). A byte order mark at the start and
 * empty lines are skipped. The last row needs no line break after it.
 */
export class CsvParser {
  private carry = '';
  /** The line on which `carry` starts. */
  private line = 1;
  private started = false;

  /** The rows that `chunk` completes; the text of an unfinished row waits for the next chunk. */
  push(chunk: string): CsvRows {
    return this.parse(this.carry + chunk, false);
  }

  /** The last row, if the text did not end with a line break. */
  end(): CsvRows {
    return this.parse(this.carry, true);
  }

  private parse(text: string, final: boolean): CsvRows {
    const rows: string[][] = [];
    const lines: number[] = [];
    let pos = 0;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) pos = 1;
    }
    const length = text.length;
    let line = this.line;
    rows: while (pos < length) {
      const rowStart = pos;
      const rowLine = line;
      const code = text.charCodeAt(pos);
      // An empty line is no row.
      if (code === LINE_FEED || (code === CARRIAGE_RETURN && text.charCodeAt(pos + 1) === LINE_FEED)) {
        if (code === CARRIAGE_RETURN && pos + 1 >= length && !final) break;
        pos += code === LINE_FEED ? 1 : 2;
        line++;
        continue;
      }
      if (code === CARRIAGE_RETURN && pos + 1 >= length && !final) break;
      const fields: string[] = [];
      for (;;) {
        if (text.charCodeAt(pos) === QUOTE) {
          let value = '';
          let from = pos + 1;
          for (;;) {
            const quote = text.indexOf('"', from);
            if (quote === -1 || (quote + 1 >= length && !final)) {
              if (final) throw new CsvSyntaxError('a quoted field has no closing quote', rowLine);
              pos = rowStart;
              line = rowLine;
              break rows;
            }
            if (text.charCodeAt(quote + 1) === QUOTE) {
              value += text.slice(from, quote + 1);
              from = quote + 2;
              continue;
            }
            value += text.slice(from, quote);
            pos = quote + 1;
            break;
          }
          if (value.includes('\n')) line += linesIn(value);
          fields.push(value);
          const after = pos < length ? text.charCodeAt(pos) : -1;
          if (after === COMMA) {
            pos++;
            continue;
          }
          if (after === LINE_FEED) {
            pos++;
            line++;
            break;
          }
          if (after === CARRIAGE_RETURN && text.charCodeAt(pos + 1) === LINE_FEED) {
            pos += 2;
            line++;
            break;
          }
          if (after === -1 && final) break;
          if ((after === -1 || (after === CARRIAGE_RETURN && pos + 1 >= length)) && !final) {
            pos = rowStart;
            line = rowLine;
            break rows;
          }
          throw new CsvSyntaxError('a closing quote must be followed by a comma or a line break', line);
        }
        let end = pos;
        let code = -1;
        while (end < length) {
          code = text.charCodeAt(end);
          if (code === COMMA || code === LINE_FEED) break;
          if (code === QUOTE) throw new CsvSyntaxError('a quote inside a field that does not start with one', line);
          end++;
        }
        if (end >= length) {
          if (!final) {
            pos = rowStart;
            line = rowLine;
            break rows;
          }
          fields.push(text.slice(pos, end));
          pos = end;
          break;
        }
        if (code === COMMA) {
          fields.push(text.slice(pos, end));
          pos = end + 1;
          continue;
        }
        // A line feed: the field ends before it, and before a carriage return in front of it.
        fields.push(text.slice(pos, end > pos && text.charCodeAt(end - 1) === CARRIAGE_RETURN ? end - 1 : end));
        pos = end + 1;
        line++;
        break;
      }
      rows.push(fields);
      lines.push(rowLine);
    }
    this.carry = pos < length ? text.slice(pos) : '';
    this.line = line;
    return { rows, lines };
  }
}
