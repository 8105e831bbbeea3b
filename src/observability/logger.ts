import { pino, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';

export type Logger = PinoLogger;

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LoggerOptions {
  /** Human-readable lines instead of JSON; by default when stdout is a terminal. */
  readonly pretty?: boolean;
}

/** Structured logs on stderr (JSON, or pretty at a terminal); stdout is kept for the `listening on` line. */
export function createLogger(level: LogLevel = 'info', options: LoggerOptions = {}): Logger {
  const settings = { level, base: { service: 'routeguide' } };
  if (options.pretty ?? process.stdout.isTTY === true) {
    return pino(settings, pretty({ destination: 2, sync: true, singleLine: true, ignore: 'pid,hostname,service', colorize: process.stderr.isTTY === true }));
  }
  return pino(settings, pino.destination({ fd: 2, sync: true }));
}

/** A logger that drops everything, for tests that do not look at logs. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
