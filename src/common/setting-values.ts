import { z } from 'zod';

/**
 * The kinds of setting value. Each checks a value as a command is given it, as text from a flag or an
 * environment variable, and as the library is given it, as a typed option (a number of seconds, a
 * boolean); undefined when neither set it. Both go through the same check, with the same message.
 * The schema's input type is the typed option's type: see OptionsOf in settings.ts.
 */

/** A number given as a number or as text; NaN for anything else. */
function numberOf(value: unknown): number {
  if (typeof value === 'number') return value;
  return typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
}

/** A number given as a number or as integer text (no decimals, no exponent); NaN for anything else. */
function integerOf(value: unknown): number {
  return typeof value === 'string' && !/^-?\d+$/.test(value.trim()) ? Number.NaN : numberOf(value);
}

/** `off` as text, with spaces around it or not. */
function isOff(value: unknown): boolean {
  return typeof value === 'string' && value.trim() === 'off';
}

function integerValue(min: number, max: number) {
  return z
    .custom<number | string>()
    .refine((value) => Number.isInteger(integerOf(value)) && integerOf(value) >= min && integerOf(value) <= max, {
      error: `must be an integer between ${min} and ${max}`,
    })
    .optional()
    .transform((value) => (value === undefined ? undefined : integerOf(value)));
}

/** An integer in [min, max]. */
export function integerSetting(min: number, max: number, fallback: number) {
  return integerValue(min, max).transform((value) => value ?? fallback);
}

/** An optional integer in [min, max]; undefined when not set. */
export function optionalIntegerSetting(min: number, max: number) {
  return integerValue(min, max);
}

/** A number of seconds that `accept` allows, as milliseconds; `fallback` when not set. */
function secondsValue<T>(accept: (seconds: number) => boolean, error: string, fallback: T) {
  return z
    .custom<number | string>()
    .refine((value) => Number.isFinite(numberOf(value)) && accept(numberOf(value)), { error })
    .optional()
    .transform((value) => (value === undefined ? fallback : numberOf(value) * 1000));
}

/** A non-negative number of seconds, as milliseconds. */
export function secondsSetting(fallbackSeconds: number) {
  return secondsValue((seconds) => seconds >= 0, 'must be a number of seconds, 0 or more', fallbackSeconds * 1000);
}

/** A number of seconds greater than 0, as milliseconds. */
export function positiveSecondsSetting(fallbackSeconds: number) {
  return secondsValue((seconds) => seconds > 0, 'must be a number of seconds greater than 0', fallbackSeconds * 1000);
}

/** An optional number of seconds greater than 0, as milliseconds; undefined when not set. */
export function optionalSecondsSetting() {
  return secondsValue((seconds) => seconds > 0, 'must be a number of seconds greater than 0', undefined);
}

/** A port (0 picks a free one), or `off` for none; undefined when not set. */
export function optionalPortSetting() {
  return z
    .custom<number | string>()
    .refine((value) => isOff(value) || isPort(value), {
      error: 'must be an integer between 0 and 65535, or off',
    })
    .optional()
    .transform((value) => (value === undefined || isOff(value) ? undefined : integerOf(value)));
}

function isPort(value: unknown): boolean {
  if (typeof value === 'string' && !/^\d+$/.test(value.trim())) return false;
  const port = integerOf(value);
  return Number.isInteger(port) && port >= 0 && port <= 65535;
}

/** Browser origins (`https://map.example.com`, comma-separated) or `*`; undefined when not set. */
export function originListSetting() {
  return z
    .string()
    .optional()
    .superRefine((text, context) => {
      if (text === undefined || text.trim() === '*') return;
      for (const origin of text.split(',').map((part) => part.trim())) {
        let parsed: URL | undefined;
        try {
          parsed = new URL(origin);
        } catch {
          parsed = undefined;
        }
        if (parsed === undefined || parsed.origin === 'null' || parsed.origin !== origin) {
          context.addIssue({ code: 'custom', message: `${JSON.stringify(origin)} is not an origin; must be * or origins like https://map.example.com, comma-separated` });
          return;
        }
      }
    })
    .transform((text): readonly string[] | '*' | undefined =>
      text === undefined ? undefined : text.trim() === '*' ? '*' : Object.freeze(text.split(',').map((part) => part.trim())),
    );
}

export function choiceSetting<const T extends readonly [string, ...string[]]>(choices: T, fallback: T[number]) {
  return z
    .enum(choices, { error: `must be one of ${choices.join(', ')}` })
    .optional()
    .transform((value) => value ?? fallback);
}

export function textSetting(fallback: string) {
  return z
    .string()
    .min(1, { error: 'must not be empty' })
    .optional()
    .transform((value) => value ?? fallback);
}

export function optionalTextSetting() {
  return z.string().min(1, { error: 'must not be empty' }).optional();
}

const TRUE_TEXT: readonly string[] = ['true', '1', 'yes'];
const FALSE_TEXT: readonly string[] = ['false', '0', 'no'];

/** true or false, or as text: true, false, 1, 0, yes, no; false when not set. */
export function booleanSetting() {
  return z
    .custom<boolean | string>()
    .refine((value) => typeof value === 'boolean' || TRUE_TEXT.includes(value) || FALSE_TEXT.includes(value), { error: 'must be true or false' })
    .optional()
    .transform((value) => value === true || (typeof value === 'string' && TRUE_TEXT.includes(value)));
}

/** `unlimited` as text, or Infinity as a library option's number. */
function isUnlimited(value: unknown): boolean {
  return (typeof value === 'string' && value.trim() === 'unlimited') || value === Number.POSITIVE_INFINITY;
}

/** A number greater than 0 (decimals allowed), or `unlimited`; undefined when not set. */
export function optionalRateSetting() {
  return z
    .custom<number | string>()
    .refine((value) => isUnlimited(value) || (Number.isFinite(numberOf(value)) && numberOf(value) > 0), {
      error: 'must be a number greater than 0, or unlimited',
    })
    .optional()
    .transform((value): number | 'unlimited' | undefined => (value === undefined ? undefined : isUnlimited(value) ? 'unlimited' : numberOf(value)));
}

/** An integer in [min, max], or `unlimited`; undefined when not set. */
export function optionalLimitSetting(min: number, max: number) {
  return z
    .custom<number | string>()
    .refine((value) => isUnlimited(value) || (Number.isInteger(integerOf(value)) && integerOf(value) >= min && integerOf(value) <= max), {
      error: `must be an integer between ${min} and ${max}, or unlimited`,
    })
    .optional()
    .transform((value): number | 'unlimited' | undefined => (value === undefined ? undefined : isUnlimited(value) ? 'unlimited' : integerOf(value)));
}

/** One of `choices`; undefined when not set (the default depends on other settings). */
export function optionalChoiceSetting<const T extends readonly [string, ...string[]]>(choices: T) {
  return z.enum(choices, { error: `must be one of ${choices.join(', ')}` }).optional();
}
