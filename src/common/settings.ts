import type { z } from 'zod';
import { SettingsError } from './settings-error.js';

/**
 * Command-line settings: every flag `--x-y` has an environment variable `ROUTEGUIDE_X_Y` (or, for a
 * command with its own prefix, `<PREFIX>X_Y`). A flag beats the environment, which beats the
 * default. The result is one frozen, validated object.
 *
 * This module is the only reader of the environment: parseCommandLine reads a command's settings, and
 * otherVariables the few variables that other programs define. Commands pass `env` on unread.
 */

export interface SettingSpec<T = unknown> {
  /**
   * Checks and converts a value: text from a flag or the environment, or a library option's typed
   * value (its input type; see setting-values.ts); undefined when nothing set it.
   */
  readonly schema: z.ZodType<T, any>;
  readonly description: string;
  /** Shown in --help. */
  readonly defaultText?: string;
  /** A flag that takes no value: present means "true". */
  readonly boolean?: boolean;
  /** The placeholder shown in --help, e.g. URL. */
  readonly valueName?: string;
}

export type SettingSpecs = Record<string, SettingSpec>;
export type SettingsOf<S extends SettingSpecs> = { readonly [K in keyof S]: z.output<S[K]['schema']> };

/** `http-cors-origin` as an option's name: `httpCorsOrigin`. */
export type CamelCase<Name extends string> = Name extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : Name;

/**
 * What a library caller passes for a setting: the typed value its schema takes (a number of seconds,
 * a boolean, one of the choices), or text for a setting that is text.
 */
type OptionValue<Input> = [Exclude<Input, string | undefined>] extends [never] ? Exclude<Input, undefined> : Exclude<Input, string | undefined>;

/** A settings table as library options: each setting, camelCase, optional, as its typed value. */
export type OptionsOf<S extends SettingSpecs> = { readonly [K in keyof S & string as CamelCase<K>]?: OptionValue<z.input<S[K]['schema']>> };

/** `httpCorsOrigin` as a setting's name: `http-cors-origin`. */
export function kebabCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

export function camelCase(name: string): string {
  return name.replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

export type Environment = Readonly<Record<string, string | undefined>>;

export interface ParsedCommandLine<S extends SettingSpecs> {
  readonly settings: SettingsOf<S>;
  readonly positionals: readonly string[];
  readonly help: boolean;
  /** How a setting was given, for messages about its value: `--name`, or the environment variable's name. */
  readonly source: (name: string) => string;
}

export { SettingsError };

/** The prefix of the environment variables of serve and seed. */
export const ENVIRONMENT_PREFIX = 'ROUTEGUIDE_';

/** Which environment variables a command reads: `--x-y` reads `${environmentPrefix}X_Y`. */
export interface EnvironmentOptions {
  /** `ROUTEGUIDE_` unless given. */
  readonly environmentPrefix?: string;
}

/** Set to 1 to see the stack of an unexpected error (a bug) after its one line. */
export const DEBUG_VARIABLE = `${ENVIRONMENT_PREFIX}DEBUG`;

/** What the commands read from the environment besides their settings. */
export interface OtherVariables {
  /** PGPASSWORD, as PostgreSQL's own tools read it: the password of a postgres:// URL that has none. */
  readonly storagePassword?: string;
  /** npm runs the command (`npm start`): npm sets npm_lifecycle_event. */
  readonly underNpm: boolean;
  /** DEBUG_VARIABLE is 1. */
  readonly debug: boolean;
}

export function otherVariables(env: Environment): OtherVariables {
  return Object.freeze({ storagePassword: env.PGPASSWORD, underNpm: env.npm_lifecycle_event !== undefined, debug: env[DEBUG_VARIABLE] === '1' });
}

export function environmentName(flag: string, prefix: string = ENVIRONMENT_PREFIX): string {
  return `${prefix}${flag.toUpperCase().replace(/-/g, '_')}`;
}

/**
 * Splits argv into flags and positionals. `--name value`, `--name=value` and bare boolean
 * `--name`; `--` ends flags. A lone `-` or a negative number (`-75`) is a positional.
 */
function splitArguments(specs: SettingSpecs, argv: readonly string[], command: string) {
  const flags = new Map<string, string>();
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i]!;
    if (argument === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (argument === '--help' || argument === '-h') {
      help = true;
      continue;
    }
    if (!argument.startsWith('--')) {
      if (argument.startsWith('-') && argument !== '-' && !/^-\d/.test(argument) && !/^-\.\d/.test(argument)) {
        throw new SettingsError(`${command}: unknown option ${argument}; see ${command} --help`);
      }
      positionals.push(argument);
      continue;
    }
    const equals = argument.indexOf('=');
    const name = argument.slice(2, equals === -1 ? undefined : equals);
    const spec = specs[name];
    if (!spec) throw new SettingsError(`${command}: unknown option --${name}; see ${command} --help`);
    if (equals !== -1) {
      flags.set(name, argument.slice(equals + 1));
    } else if (spec.boolean) {
      flags.set(name, 'true');
    } else {
      const value = argv[++i];
      if (value === undefined) throw new SettingsError(`${command}: --${name} needs a value`);
      flags.set(name, value);
    }
  }
  return { flags, positionals, help };
}

/** The one line for a value a setting refuses: `routeguide serve: invalid --port="abc": must be ...`. */
export function invalidSetting(command: string, given: string, value: unknown, reason: string): SettingsError {
  return new SettingsError(`${command}: invalid ${given}=${JSON.stringify(typeof value === 'string' ? value : String(value))}: ${reason}`);
}

/**
 * Checks raw setting values (text, as from a flag or the environment, or a library option's typed
 * value; undefined when not set) into one frozen settings object, or throws a one-line SettingsError
 * naming the setting as `source` spells it.
 */
export function parseSettings<S extends SettingSpecs>(
  command: string,
  specs: S,
  raw: Readonly<Record<string, unknown>>,
  source: (name: string) => string,
): SettingsOf<S> {
  const settings: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const value = raw[name];
    const result = spec.schema.safeParse(value);
    if (!result.success) {
      const reason = result.error.issues.map((issue) => issue.message).join('; ');
      throw invalidSetting(command, source(name), value, reason);
    }
    settings[name] = result.data;
  }
  return Object.freeze(settings) as SettingsOf<S>;
}

/** Parses flags and the environment into one frozen settings object, or throws a one-line SettingsError. */
export function parseCommandLine<S extends SettingSpecs>(
  command: string,
  specs: S,
  argv: readonly string[],
  env: Environment,
  { environmentPrefix = ENVIRONMENT_PREFIX }: EnvironmentOptions = {},
): ParsedCommandLine<S> {
  const { flags, positionals, help } = splitArguments(specs, argv, command);
  const variable = (name: string): string => environmentName(name, environmentPrefix);
  const raw = Object.fromEntries(Object.keys(specs).map((name) => [name, flags.get(name) ?? env[variable(name)]]));
  const source = (name: string): string => (flags.has(name) ? `--${name}` : variable(name));
  return { settings: parseSettings(command, specs, raw, source), positionals, help, source };
}

/** The --help text: usage, then every setting with its environment variable and default. */
export function helpText(
  usage: string,
  summary: string,
  specs: SettingSpecs,
  { environmentPrefix = ENVIRONMENT_PREFIX }: EnvironmentOptions = {},
): string {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const left = spec.boolean ? `--${name}` : `--${name} ${spec.valueName ?? 'VALUE'}`;
    const details = [`env ${environmentName(name, environmentPrefix)}`];
    if (spec.defaultText !== undefined) details.push(`default ${spec.defaultText}`);
    return `  ${left.padEnd(30)} ${spec.description} (${details.join('; ')})`;
  });
  return [`usage: ${usage}`, '', summary, '', 'settings:', ...rows, `  ${'--help'.padEnd(30)} show this help`].join('\n');
}
