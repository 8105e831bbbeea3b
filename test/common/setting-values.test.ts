import { describe, expect, it } from 'vitest';
import {
  booleanSetting,
  integerSetting,
  optionalPortSetting,
  optionalSecondsSetting,
  secondsSetting,
} from '../../src/common/setting-values.js';
import { parseSettings, SettingsError } from '../../src/common/settings.js';

const specs = {
  port: { schema: integerSetting(0, 65535, 50051), description: '' },
  grace: { schema: secondsSetting(10), description: '' },
  'max-age': { schema: optionalSecondsSetting(), description: '' },
  'http-port': { schema: optionalPortSetting(), description: '' },
  empty: { schema: booleanSetting(), description: '', boolean: true },
};

const parse = (raw: Record<string, unknown>) => parseSettings('test', specs, raw, (name) => `--${name}`);

/** The one line a refused value gives. */
function refusal(raw: Record<string, unknown>): string {
  try {
    parse(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return (error as Error).message;
  }
  throw new Error(`${JSON.stringify(raw)} was accepted`);
}

describe('setting values', () => {
  it('a typed value (from the library) and its text (from a flag) give the same setting', () => {
    const typed = parse({ port: 8080, grace: 0.5, 'max-age': 60, 'http-port': 0, empty: true });
    const text = parse({ port: '8080', grace: '0.5', 'max-age': '60', 'http-port': '0', empty: 'true' });
    expect(typed).toEqual(text);
    expect(typed).toEqual({ port: 8080, grace: 500, 'max-age': 60_000, 'http-port': 0, empty: true });
    expect(parse({ empty: false, 'http-port': 'off' })).toMatchObject({ empty: false, 'http-port': undefined });
  });

  it('defaults apply when nothing is given', () => {
    expect(parse({})).toEqual({ port: 50051, grace: 10_000, 'max-age': undefined, 'http-port': undefined, empty: false });
  });

  it('a refused value is the same line whether it came as text or typed', () => {
    for (const [typed, text] of [
      [{ port: -1 }, { port: '-1' }],
      [{ port: 1.5 }, { port: '1.5' }],
      [{ grace: -2 }, { grace: '-2' }],
      [{ 'max-age': 0 }, { 'max-age': '0' }],
      [{ 'http-port': 70000 }, { 'http-port': '70000' }],
      [{ empty: 2 }, { empty: '2' }],
    ] as const) {
      expect(refusal(typed)).toBe(refusal(text));
    }
    expect(refusal({ port: 'abc' })).toBe('test: invalid --port="abc": must be an integer between 0 and 65535');
    expect(refusal({ grace: Number.NaN })).toBe('test: invalid --grace="NaN": must be a number of seconds, 0 or more');
  });

  it('text keeps its own rules: no decimals or exponents for integers, no sign for ports', () => {
    expect(refusal({ port: '1e3' })).toMatch(/must be an integer/);
    expect(refusal({ 'http-port': '-0' })).toMatch(/must be an integer between 0 and 65535, or off/);
    expect(parse({ port: ' 42 ' }).port).toBe(42);
  });
});
