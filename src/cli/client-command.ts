import { createInterface } from 'node:readline';
import type { Point, RouteNote } from '../gen/messages/route_guide.js';
import { CANONICAL_SEED_FILE } from '../feature-files/feature-file.js';
import { readFeatureFile } from '../feature-files/read-feature-file.js';
import { helpText, parseCommandLine, type Environment, type SettingSpecs } from '../common/settings.js';
import { createRouteGuideClient, type CallSettings, type RouteGuideClient } from '../client/client.js';
import { CoordinateError, notesFromLines, point, readRoute, RouteFileError } from './client-input.js';
import { createOutput, type Output } from './client-output.js';
import { countCommand } from './client-count.js';
import { exportCommand } from './client-export.js';
import { nearestCommand } from './client-nearest.js';
import { postCommand, watchCommand } from './client-notes.js';
import { CLIENT_ENVIRONMENT_PREFIX, clientSettings } from './client-settings.js';
import { clientCredentialsFrom } from './client-tls.js';
import { readTokenFile } from './client-token.js';
import { CommandFailure, UsageError } from './errors.js';
import { isStatusError, statusText } from './grpc-status.js';
import { stdoutClosed } from './output-closed.js';
import { plural } from './plural.js';

export { clientSettings };

export interface CommandContext {
  readonly client: RouteGuideClient;
  readonly out: Output;
  readonly args: readonly string[];
  /** For every call the command makes: the --timeout deadline, and cancellation when stdout closes. */
  readonly call: CallSettings;
  /** The command's own settings (ClientCommand.settings), parsed. */
  readonly options: Readonly<Record<string, unknown>>;
}

export interface ClientCommand {
  readonly usage: string;
  readonly summary: string;
  readonly arity: number;
  /** Flags of this command alone, besides every client command's (export's --format). */
  readonly settings?: SettingSpecs;
  run(context: CommandContext): Promise<number>;
}

const commands: Record<string, ClientCommand> = {
  get: {
    usage: 'routeguide client get LAT LNG',
    summary: 'GetFeature: the feature at a point (degrees).',
    arity: 2,
    async run({ client, out, args: [latitude, longitude], call }) {
      out.feature(await client.getFeature(point(latitude!, longitude!), call));
      return 0;
    },
  },
  list: {
    usage: 'routeguide client list LO_LAT LO_LNG HI_LAT HI_LNG',
    summary: 'ListFeatures: every feature inside the rectangle (degrees, edges included).',
    arity: 4,
    async run({ client, out, args: [loLat, loLng, hiLat, hiLng], call }) {
      let count = 0;
      for await (const feature of client.listFeatures({ lo: point(loLat!, loLng!), hi: point(hiLat!, hiLng!) }, call)) {
        out.feature(feature);
        count++;
      }
      out.text(plural(count, 'feature'));
      return 0;
    },
  },
  record: {
    usage: 'routeguide client record FILE',
    summary: 'RecordRoute: sends the points in FILE (a JSON array of E7 points, or the seed shape).',
    arity: 1,
    async run({ client, out, args: [file], call }) {
      out.summary(await client.recordRoute(await readRoute(file!), call));
      return 0;
    },
  },
  chat: {
    usage: 'routeguide client chat < lines',
    summary: 'RouteChat: sends a note per "LAT LNG message" line on stdin; prints the notes received.',
    arity: 0,
    async run({ client, out, call }) {
      let bad = 0;
      const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
      const notes = notesFromLines(lines, (message) => {
        bad++;
        process.stderr.write(`routeguide client chat: ${message}; skipped\n`);
      });
      try {
        for await (const note of client.routeChat(notes, call)) out.note(note);
      } finally {
        // The call is over (the server may have ended it with an error): stop reading stdin now
        // rather than at its end, so the status is printed and the command exits at once.
        lines.close();
        process.stdin.destroy();
      }
      return bad === 0 ? 0 : 1;
    },
  },
  demo: {
    usage: 'routeguide client demo',
    summary: "Runs the tutorial client's conversation: GetFeature twice, ListFeatures, RecordRoute, RouteChat.",
    arity: 0,
    async run({ client, out, call }) {
      out.text('# GetFeature: a point with a feature, then one without');
      out.feature(await client.getFeature({ latitude: 409146138, longitude: -746188906 }, call));
      out.feature(await client.getFeature({ latitude: 0, longitude: 0 }, call));

      out.text('# ListFeatures between lo (40, -75) and hi (42, -73)');
      let count = 0;
      const rectangle = { lo: { latitude: 400000000, longitude: -750000000 }, hi: { latitude: 420000000, longitude: -730000000 } };
      for await (const feature of client.listFeatures(rectangle, call)) {
        out.feature(feature);
        count++;
      }
      out.text(plural(count, 'feature'));

      out.text('# RecordRoute over 10 random points from the seed file');
      const seed: Point[] = [];
      for await (const { latitude, longitude } of readFeatureFile(CANONICAL_SEED_FILE).features) seed.push({ latitude, longitude });
      const route = Array.from({ length: 10 }, () => seed[Math.floor(Math.random() * seed.length)]!);
      out.summary(await client.recordRoute(route, call));

      out.text('# RouteChat with 5 notes');
      const notes: RouteNote[] = [
        { location: { latitude: 0, longitude: 0 }, message: 'First message' },
        { location: { latitude: 0, longitude: 1 }, message: 'Second message' },
        { location: { latitude: 1, longitude: 0 }, message: 'Third message' },
        { location: { latitude: 0, longitude: 0 }, message: 'Fourth message' },
        { location: { latitude: 0, longitude: 1 }, message: 'Fifth message' },
      ];
      for (const note of notes) out.sending(note);
      for await (const note of client.routeChat(notes, call)) out.note(note);
      return 0;
    },
  },
  watch: watchCommand,
  post: postCommand,
  export: exportCommand,
  nearest: nearestCommand,
  count: countCommand,
};

const FLAGS_USAGE = '[--target HOST[:PORT]] [--timeout SECONDS] [--json] [--tls] [--tls-ca FILE] [--tls-cert FILE --tls-key FILE] [--token-file FILE]';

function usageText(): string {
  const list = Object.values(commands).map((c) => `  ${c.usage.padEnd(52)} ${c.summary}`);
  return [
    `usage: routeguide client <${Object.keys(commands).join('|')}> ${FLAGS_USAGE}`,
    '',
    ...list,
    '',
    'Coordinates are in degrees; negative numbers work as they are.',
    `Every --flag-name also reads the environment variable ${CLIENT_ENVIRONMENT_PREFIX}FLAG_NAME; a flag beats it.`,
    'routeguide client <command> --help lists the settings.',
  ].join('\n');
}

/** `routeguide client ...`: one command against a running server. Resolves with the exit code. */
export async function clientCommand(argv: readonly string[], env: Environment): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(usageText() + '\n');
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) throw new UsageError(`routeguide client: unknown command "${name}"; see routeguide client --help`);
  const prefix = `routeguide client ${name}`;
  // The command's own flags first, so that none can redefine a shared one.
  const specs = { ...command.settings, ...clientSettings };
  const { settings, positionals, help, source } = parseCommandLine(prefix, specs, rest, env, { environmentPrefix: CLIENT_ENVIRONMENT_PREFIX });
  if (help) {
    const usage = `${command.usage} ${FLAGS_USAGE}`;
    process.stdout.write(helpText(usage, command.summary, specs, { environmentPrefix: CLIENT_ENVIRONMENT_PREFIX }) + '\n');
    return 0;
  }
  if (positionals.length !== command.arity) {
    throw new UsageError(`${prefix}: expected ${plural(command.arity, 'argument')}, got ${positionals.length}; usage: ${command.usage}`);
  }
  const credentials = clientCredentialsFrom(prefix, settings, source);
  const tokenFile = settings['token-file'];
  const token = tokenFile === undefined ? undefined : readTokenFile(prefix, source('token-file'), tokenFile);
  const closed = stdoutClosed();
  const out = createOutput(settings.json, (line) => {
    if (!closed.aborted) process.stdout.write(line + '\n');
  });
  const timeoutMs = settings.timeout;
  const call: CallSettings = timeoutMs === undefined ? { signal: closed } : { signal: closed, timeoutMs };
  const client = createRouteGuideClient(settings.target, { credentials, token });
  try {
    return await command.run({ client, out, args: positionals, call, options: settings });
  } catch (error) {
    if (error instanceof CoordinateError) throw new UsageError(`${prefix}: ${error.message}`);
    if (error instanceof RouteFileError) throw new CommandFailure(`${prefix}: ${error.message}`);
    if (isStatusError(error)) throw new CommandFailure(`${prefix}: ${statusText(error, timeoutMs)}`);
    throw error;
  } finally {
    client.close();
  }
}
