import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Structured JSON logs on stderr; stdout is kept for the `listening on` line. */
export function createLogger(level: LogLevel = 'info'): Logger {
  return pino({ level, base: { service: 'routeguide' } }, pino.destination({ fd: 2, sync: true }));
}

/** A logger that drops everything, for tests that do not look at logs. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
