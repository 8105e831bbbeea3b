import { status } from '@grpc/grpc-js';
import { ListenError } from '../common/listen-error.js';
import { FeatureFileError } from '../feature-files/feature-file.js';
import { ImportAbandonedError, ImportInProgressError } from '../storage/sqlite/import-ledger.js';
import { StorageUrlError } from '../storage/open-storage.js';
import { StorageOpenError } from '../storage/sqlite/options.js';
import { clientCommand, UsageError } from './client-command.js';
import { seedCommand } from './seed-command.js';
import { serveCommand } from './serve-command.js';
import { SettingsError, type Environment } from '../common/settings.js';

const USAGE = `usage: routeguide <command> [options]

commands:
  serve     serve RouteGuide over gRPC (routeguide serve --help)
  seed      import features from a .json, .geojson or .csv file, or synthetic ones (routeguide seed --help)
  client    call a running server: demo, get, list, record, chat (routeguide client --help)

Every --flag-name also reads the environment variable ROUTEGUIDE_FLAG_NAME; a flag beats it.`;

function isGrpcError(error: unknown): error is Error & { code: status; details: string } {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'number' && 'details' in error;
}

/** Runs the CLI and resolves with the process exit code. Every failure becomes one clear line. */
export async function main(argv: readonly string[], env: Environment): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serveCommand(rest, env);
      case 'seed':
        return await seedCommand(rest, env);
      case 'client':
        return await clientCommand(rest, env);
      case undefined:
      case '--help':
      case '-h':
        process.stdout.write(USAGE + '\n');
        return command === undefined ? 2 : 0;
      default:
        process.stderr.write(`routeguide: unknown command "${command}"\n${USAGE}\n`);
        return 2;
    }
  } catch (error) {
    const prefix = `routeguide ${command}`;
    if (error instanceof SettingsError || error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    if (
      error instanceof StorageUrlError ||
      error instanceof StorageOpenError ||
      error instanceof FeatureFileError ||
      error instanceof ListenError ||
      error instanceof ImportInProgressError ||
      error instanceof ImportAbandonedError
    ) {
      process.stderr.write(`${prefix}: ${error.message}\n`);
      return 1;
    }
    if (isGrpcError(error)) {
      process.stderr.write(`${prefix}: ${status[error.code]}: ${error.details}\n`);
      return 1;
    }
    process.stderr.write(`${prefix}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}
