import { describe, expect, it } from 'vitest';
import { guessedElementRun, lastObjectBoundary } from '../../src/feature-files/json-element-run.js';

describe('lastObjectBoundary', () => {
  it('finds the last `}` followed by a comma and a `{`, whitespace allowed between', () => {
    const text = '{"a": 1}, {"b": {"c": 2}} \n,\t\n {"d": ';
    const boundary = lastObjectBoundary(text)!;
    expect(text.slice(0, boundary.end)).toBe('{"a": 1}, {"b": {"c": 2}}');
    expect(text.slice(boundary.next)).toBe('\t\n {"d": ');
  });

  it('finds none when no `}` is followed by a comma and a `{`', () => {
    expect(lastObjectBoundary('{"a": 1}, 2, {"b": {"c": 2}, "d": 3}')).toBeUndefined();
    expect(lastObjectBoundary('{"a": 1}')).toBeUndefined();
    expect(lastObjectBoundary('')).toBeUndefined();
  });
});

describe('guessedElementRun', () => {
  it('parses the carry and the chunk up to the chunk’s last boundary, and returns the rest', () => {
    const run = guessedElementRun(' {"a": 1}, {"b"', ': 2}, {"c": 3},\n{"d": 4');
    expect(run).toEqual({ elements: [{ a: 1 }, { b: 2 }, { c: 3 }], rest: '\n{"d": 4' });
  });

  it('says "not elements" when the guessed boundary is inside a string', () => {
    expect(guessedElementRun('', '{"a": 1}, {"name": "x}, {y", "b": 2}')).toBe('not elements');
  });

  it('says "not elements" when the guessed boundary is inside a nested array', () => {
    expect(guessedElementRun('', '{"a": 1}, {"list": [{"b": 2}, {"c": 3}]')).toBe('not elements');
  });

  it('says "not elements" when an element before the boundary is malformed', () => {
    expect(guessedElementRun('', '{"a": 1,}, {"b": 2}, {"c"')).toBe('not elements');
  });

  it('says "not elements" when the text before the boundary runs past the array’s end', () => {
    expect(guessedElementRun('{"a": 1}], "other": [', '{"b": 2}, {"c": 3}')).toBe('not elements');
  });

  it('says "no boundary" when the chunk holds none, without searching the carry', () => {
    expect(guessedElementRun('{"a": 1}, {"b": 2}, {"c": ', '3}')).toBe('no boundary');
  });
});
