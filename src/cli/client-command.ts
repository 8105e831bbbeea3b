import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import type { Point, RouteNote } from '../gen/messages/route_guide.js';
import { CANONICAL_SEED_FILE } from '../feature-files/feature-file.js';
import { readFeatureFile } from '../feature-files/read-feature-file.js';
import { parseDegrees } from '../geo/e7.js';
import { INT32_MAX } from '../geo/int32.js';
import { booleanSetting, helpText, optionalTextSetting, parseCommandLine, textSetting, type Environment } from '../common/settings.js';
import { clientCredentialsFrom } from './client-tls.js';
import { createRouteGuideClient, type RouteGuideClient } from '../client/client.js';
import { createOutput, type Output } from './client-output.js';

export const clientSettings = {
  target: { schema: textSetting('127.0.0.1:50051'), description: 'server address', defaultText: '127.0.0.1:50051', valueName: 'HOST:PORT' },
  json: { schema: booleanSetting(), description: 'print one JSON object per result', defaultText: 'false', boolean: true },
  tls: { schema: booleanSetting(), description: "use TLS, trusting the system's root certificates (implied by --tls-*)", defaultText: 'false', boolean: true },
  'tls-ca': { schema: optionalTextSetting(), description: "trust servers whose certificate this PEM CA signed", defaultText: "none: the system's roots", valueName: 'FILE' },
  'tls-cert': { schema: optionalTextSetting(), description: 'present this PEM client certificate (for mTLS; needs --tls-key)', defaultText: 'none', valueName: 'FILE' },
  'tls-key': { schema: optionalTextSetting(), description: 'the PEM private key for --tls-cert', defaultText: 'none', valueName: 'FILE' },
} as const;

/** A usage mistake in a client command: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

interface ClientCommand {
  readonly usage: string;
  readonly summary: string;
  readonly arity: number | 'any';
  run(client: RouteGuideClient, out: Output, args: readonly string[]): Promise<number>;
}

/**
 * The largest |degrees| the command line passes on: whatever an int32 E7 can carry. The range check
 * itself is the server's, so that a client meets the same INVALID_ARGUMENT whatever it was written in.
 */
const WIRE_LIMIT_DEGREES = INT32_MAX / 1e7;

/** A coordinate argument that is not a number of degrees; the command names itself in front of it. */
class CoordinateError extends Error {}

/** Degrees typed on the command line to E7, by the same rule as the importers (see geo/e7.ts). */
function degrees(text: string, what: string): number {
  const e7 = parseDegrees(text, WIRE_LIMIT_DEGREES);
  if (e7 === undefined) throw new CoordinateError(`${what}: "${text}" is not a number of degrees`);
  return e7;
}

function point(latitude: string, longitude: string): Point {
  return { latitude: degrees(latitude, 'latitude'), longitude: degrees(longitude, 'longitude') };
}

const pointSchema = z.object({ latitude: z.number().int(), longitude: z.number().int() });
const routeFileSchema = z.array(z.union([pointSchema, z.object({ location: pointSchema })]));

/** Reads a route: a JSON array of E7 points, or a file in the seed shape. */
async function readRoute(file: string): Promise<Point[]> {
  const parsed = routeFileSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(
      `${file}: entry ${issue.path.join('.')}: expected {"latitude": E7, "longitude": E7} or {"location": {...}} entries`,
    );
  }
  return parsed.data.map((entry) => ('location' in entry ? entry.location : entry));
}

/** Reads `LAT LNG message` lines (degrees); a bad line is reported on stderr and skipped. */
async function* notesFromLines(lines: AsyncIterable<string>, onBadLine: (message: string) => void): AsyncGenerator<RouteNote> {
  let number = 0;
  for await (const line of lines) {
    number++;
    if (line.trim() === '') continue;
    const match = /^\s*(\S+)\s+(\S+)(?:\s(.*))?$/.exec(line);
    try {
      if (!match) throw new Error('expected "LAT LNG message"');
      yield { location: point(match[1]!, match[2]!), message: match[3] ?? '' };
    } catch (error) {
      onBadLine(`line ${number}: ${(error as Error).message}`);
    }
  }
}

const commands: Record<string, ClientCommand> = {
  get: {
    usage: 'routeguide client get LAT LNG',
    summary: 'GetFeature: the feature at a point (degrees).',
    arity: 2,
    async run(client, out, [latitude, longitude]) {
      out.feature(await client.getFeature(point(latitude!, longitude!)));
      return 0;
    },
  },
  list: {
    usage: 'routeguide client list LO_LAT LO_LNG HI_LAT HI_LNG',
    summary: 'ListFeatures: every feature inside the rectangle (degrees, edges included).',
    arity: 4,
    async run(client, out, [loLat, loLng, hiLat, hiLng]) {
      let count = 0;
      for await (const feature of client.listFeatures({ lo: point(loLat!, loLng!), hi: point(hiLat!, hiLng!) })) {
        out.feature(feature);
        count++;
      }
      out.text(`${count} features`);
      return 0;
    },
  },
  record: {
    usage: 'routeguide client record FILE',
    summary: 'RecordRoute: sends the points in FILE (a JSON array of E7 points, or the seed shape).',
    arity: 1,
    async run(client, out, [file]) {
      out.summary(await client.recordRoute(await readRoute(file!)));
      return 0;
    },
  },
  chat: {
    usage: 'routeguide client chat < lines',
    summary: 'RouteChat: sends a note per "LAT LNG message" line on stdin; prints the notes received.',
    arity: 0,
    async run(client, out) {
      let bad = 0;
      const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
      const notes = notesFromLines(lines, (message) => {
        bad++;
        process.stderr.write(`routeguide client chat: ${message}; skipped\n`);
      });
      try {
        for await (const note of client.routeChat(notes)) out.note(note);
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
    async run(client, out) {
      out.text('# GetFeature: a point with a feature, then one without');
      out.feature(await client.getFeature({ latitude: 409146138, longitude: -746188906 }));
      out.feature(await client.getFeature({ latitude: 0, longitude: 0 }));

      out.text('# ListFeatures between lo (40, -75) and hi (42, -73)');
      let count = 0;
      for await (const feature of client.listFeatures({
        lo: { latitude: 400000000, longitude: -750000000 },
        hi: { latitude: 420000000, longitude: -730000000 },
      })) {
        out.feature(feature);
        count++;
      }
      out.text(`${count} features`);

      out.text('# RecordRoute over 10 random points from the seed file');
      const seed: Point[] = [];
      for await (const { latitude, longitude } of readFeatureFile(CANONICAL_SEED_FILE).features) seed.push({ latitude, longitude });
      const route = Array.from({ length: 10 }, () => seed[Math.floor(Math.random() * seed.length)]!);
      out.summary(await client.recordRoute(route));

      out.text('# RouteChat with 5 notes');
      const notes: RouteNote[] = [
        { location: { latitude: 0, longitude: 0 }, message: 'First message' },
        { location: { latitude: 0, longitude: 1 }, message: 'Second message' },
        { location: { latitude: 1, longitude: 0 }, message: 'Third message' },
        { location: { latitude: 0, longitude: 0 }, message: 'Fourth message' },
        { location: { latitude: 0, longitude: 1 }, message: 'Fifth message' },
      ];
      for (const note of notes) out.text(`Sending message "${note.message}" at ${note.location!.latitude}, ${note.location!.longitude}`);
      for await (const note of client.routeChat(notes)) out.note(note);
      return 0;
    },
  },
};

const CLIENT_USAGE = `routeguide client <${Object.keys(commands).join('|')}> [--target HOST:PORT] [--json] ...`;

/** `routeguide client ...`: one command against a running server. Resolves with the exit code. */
export async function clientCommand(argv: readonly string[], env: Environment): Promise<number> {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : commands[name];
  if (!command) {
    const list = Object.values(commands).map((c) => `  ${c.usage.padEnd(52)} ${c.summary}`);
    const text = [`usage: ${CLIENT_USAGE}`, '', ...list, '', 'Coordinates are in degrees; negative numbers work as they are.'].join('\n');
    if (name === undefined || name === '--help' || name === '-h') {
      process.stdout.write(text + '\n');
      return name === undefined ? 2 : 0;
    }
    process.stderr.write(`routeguide client: unknown command "${name}"\n${text}\n`);
    return 2;
  }
  const { settings, positionals, help } = parseCommandLine(`routeguide client ${name}`, clientSettings, rest, env);
  if (help) {
    process.stdout.write(helpText(`${command.usage} [--target HOST:PORT] [--json] [--tls-ca FILE] [--tls-cert FILE --tls-key FILE]`, command.summary, clientSettings) + '\n');
    return 0;
  }
  if (command.arity !== 'any' && positionals.length !== command.arity) {
    throw new UsageError(`routeguide client ${name}: expected ${command.arity} arguments; usage: ${command.usage}`);
  }
  const credentials = clientCredentialsFrom(`routeguide client ${name}`, settings);
  const client = createRouteGuideClient(settings.target, { credentials });
  try {
    return await command.run(client, createOutput(settings.json), positionals);
  } catch (error) {
    if (error instanceof CoordinateError) throw new UsageError(`routeguide client ${name}: ${error.message}`);
    throw error;
  } finally {
    client.close();
  }
}
