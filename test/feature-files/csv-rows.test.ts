import { describe, expect, it } from 'vitest';
import { CsvParser, CsvSyntaxError } from '../../src/feature-files/csv-rows.js';

/** Every row of `text` fed as `chunks`, with the line each starts on. */
function parse(chunks: readonly string[]): { rows: string[][]; lines: number[] } {
  const parser = new CsvParser();
  const rows: string[][] = [];
  const lines: number[] = [];
  for (const part of [...chunks.map((chunk) => parser.push(chunk)), parser.end()]) {
    rows.push(...part.rows);
    lines.push(...part.lines);
  }
  return { rows, lines };
}

const TEXT =
  '\uFEFFname,latitude,longitude\r\n' +
  '"Patriots Path, Mendham",40.78,-74.61\r\n' +
  '\r\n' +
  '"The ""Old"" Mill",1.5,2\n' +
  '"Two\nlines",-1,-2\n' +
  '\n' +
  ',0,0\n' +
  '"CR\r\nLF",3,\n' +
  'last,"",4';

const EXPECTED = {
  rows: [
    ['name', 'latitude', 'longitude'],
    ['Patriots Path, Mendham', '40.78', '-74.61'],
    ['The "Old" Mill', '1.5', '2'],
    ['Two\nlines', '-1', '-2'],
    ['', '0', '0'],
    ['CR\r\nLF', '3', ''],
    ['last', '', '4'],
  ],
  lines: [1, 2, 4, 5, 8, 9, 11],
};

describe('CsvParser', () => {
  it('reads RFC 4180: quoted commas, doubled quotes, line breaks in quotes, CRLF, empty lines skipped, no final line break', () => {
    expect(parse([TEXT])).toEqual(EXPECTED);
  });

  it('gives the same rows and lines wherever the chunks are cut, once or twice', () => {
    for (let cut = 0; cut <= TEXT.length; cut++) {
      expect(parse([TEXT.slice(0, cut), TEXT.slice(cut)]), `cut at ${cut}`).toEqual(EXPECTED);
      const second = Math.min(TEXT.length, cut + 3);
      expect(parse([TEXT.slice(0, cut), TEXT.slice(cut, second), TEXT.slice(second)]), `cuts at ${cut} and ${second}`).toEqual(EXPECTED);
    }
  });

  it.each([
    ['a,b\n"open,1\n2,3\n', 'a quoted field has no closing quote', 2],
    ['a,b\n1,2\n"x"y,3\n', 'a closing quote must be followed by a comma or a line break', 3],
    ['a,b\n1,2\nx"y",3\n', 'a quote inside a field that does not start with one', 3],
  ])('refuses %j naming the line', (text, message, line) => {
    let caught: unknown;
    try {
      parse([text]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CsvSyntaxError);
    expect(caught).toMatchObject({ message, line });
  });
});
