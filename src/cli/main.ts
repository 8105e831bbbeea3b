import { readFileSync } from 'node:fs';
import { UserError } from '../common/user-error.js';
import { CLIENT_ENVIRONMENT_PREFIX } from './client-settings.js';
import { UsageError } from './errors.js';
import { isReaderGone, stdoutClosed } from './output-closed.js';
import { extensionsText } from '../feature-files/feature-file.js';
import { DEBUG_VARIABLE, ENVIRONMENT_PREFIX, otherVariables, type Environment } from '../common/settings.js';

const USAGE = `usage: routeguide <command> [options]

commands:
  serve     serve RouteGuide over gRPC (routeguide serve --help)
  seed      import features from a ${extensionsText()} file, or synthetic ones (routeguide seed --help)
  copy      copy features and notes from one storage to another, e.g. SQLite to PostgreSQL (routeguide copy --help)
  client    call a running server: demo, get, list, record, chat (routeguide client --help)
  token     make a token for a client of --auth-file: routeguide token NAME --scope read|write

  routeguide --version (-V) prints the version.

Every --flag-name of serve and seed also reads the environment variable ${ENVIRONMENT_PREFIX}FLAG_NAME,
and of the client commands ${CLIENT_ENVIRONMENT_PREFIX}FLAG_NAME; a flag beats it.
Exit codes: 0 done, 1 failed while running, 2 a usage mistake (arguments, flags or settings).`;


function version(): string {
  // Relative to this module, which runs from dist/cli/ (and src/cli/ under the tests).
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

/** `routeguide client get` rather than `routeguide client`, where the subcommand is known. */
function commandName(command: string | undefined, rest: readonly string[]): string {
  const [sub] = rest;
  return command === 'client' && sub !== undefined && /^[a-z]+$/.test(sub) ? `routeguide client ${sub}` : `routeguide ${command}`;
}

/**
 * Runs `command`. Each command's module is loaded when it runs, not before: importing every command
 * (the gRPC stack, the HTTP server, the index) took a third of a second of `routeguide seed`'s start.
 */
async function run(command: string | undefined, rest: readonly string[], env: Environment): Promise<number> {
  switch (command) {
    case 'serve':
      return (await import('./serve-command.js')).serveCommand(rest, env);
    case 'seed':
      return (await import('./seed-command.js')).seedCommand(rest, env);
    case 'client':
      return (await import('./client-command.js')).clientCommand(rest, env);
    case 'copy':
      return (await import('./copy-command.js')).copyCommand(rest, env);
    case 'token':
      return (await import('./token-command.js')).tokenCommand(rest, env);
    case '--version':
    case '-V':
      process.stdout.write(`routeguide ${version()}\n`);
      return 0;
    case undefined:
    case '--help':
    case '-h':
      process.stdout.write(USAGE + '\n');
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`routeguide: unknown command "${command}"; see routeguide --help`);
  }
}

/** Writes `text` to stderr as one line: a line break inside (a file's excerpt in a JSON error, say) is shown as \n. */
function writeLine(text: string): void {
  process.stderr.write(`${text.replace(/\r?\n/g, '\\n')}\n`);
}

/** One line for what went wrong, and the exit code: the error's own for one a user should see, 1 for anything else. */
async function report(error: unknown, name: string, env: Environment): Promise<number> {
  if (error instanceof UserError) {
    writeLine(error.namesCommand ? error.message : `${name}: ${error.message}`);
    return error.exitCode;
  }
  // Loaded here, as the commands are: it brings in grpc-js.
  const { isStatusError, statusText } = await import('./grpc-status.js');
  if (isStatusError(error)) {
    writeLine(`${name}: ${statusText(error)}`);
    return 1;
  }
  // Unexpected, so a bug: still one line, with the stack only on request.
  const message = error instanceof Error ? error.message : String(error);
  if (otherVariables(env).debug) {
    writeLine(`${name}: ${message}`);
    process.stderr.write(`${error instanceof Error ? error.stack : ''}\n`);
  } else {
    writeLine(`${name}: ${message} (an unexpected error; ${DEBUG_VARIABLE}=1 shows its stack)`);
  }
  return 1;
}

/**
 * After stdout failed: a reader that went away (`| head -1`) ends the command quietly with 0, like
 * other Unix tools; any other write failure is one line and 1.
 */
function outputFailed(reason: unknown, name: string): number {
  if (isReaderGone(reason)) return 0;
  writeLine(`${name}: cannot write the output: ${reason instanceof Error ? reason.message : String(reason)}`);
  return 1;
}

/** Runs the CLI and resolves with the process exit code. Every failure becomes one clear line. */
export async function main(argv: readonly string[], env: Environment): Promise<number> {
  const [command, ...rest] = argv;
  const name = commandName(command, rest);
  const closed = stdoutClosed();
  try {
    const code = await run(command, rest, env);
    // A write that failed reports it on the next tick: let it, so a command whose last line found the
    // reader gone ends as quietly as one stopped halfway.
    await new Promise((resolve) => setImmediate(resolve));
    return closed.aborted ? outputFailed(closed.reason, name) : code;
  } catch (error) {
    // The command stopped because its output closed: that, not the call it cancelled, is the story.
    if (closed.aborted) return outputFailed(closed.reason, name);
    return report(error, name, env);
  }
}
