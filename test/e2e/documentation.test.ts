import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { credentials, loadPackageDefinition, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/build.js';
import { ensureBuilt, runCli } from '../support/cli.js';
import { consoleExamples, documentationFiles, headingAnchors, relativeLinks, shellWords, type ConsoleExample } from '../support/documentation.js';
import { createReflectionClient, reflect } from '../support/grpc-tools.js';
import { httpBase } from '../support/http.js';
import { HAVE_POSTGRES, POSTGRES_BASE_URL } from '../support/postgres.js';
import { startTestServer, temporaryDirectory, type TestServer } from '../support/servers.js';

/**
 * Every example in README.md and docs/*.md that shows its output (a `$ command` in a ```console
 * block with lines under it) is run against a real server, and must print exactly those lines. The
 * documents use the addresses `npm start` listens on; the runs use the test server's, and read
 * them back in the output.
 */
const examples = documentationFiles()
  .flatMap((file) => consoleExamples(file))
  .filter((example) => example.output !== '');

interface Ran {
  readonly output: string;
  /** curl's HTTP status, which curl -s does not print. */
  readonly status?: number;
}

let server: TestServer;
const directory = temporaryDirectory();
/** [as the documents write it, as this run has it], for every address an example may name. */
let addresses: [string, string][];

beforeAll(async () => {
  ensureBuilt();
  // SQLite, seeded with the canonical features, as `npm start` serves them: the order of a listing
  // or an export follows the storage's, so memory: would print some examples in another order.
  server = await startTestServer({ storageUrl: `sqlite:${join(directory.path, 'routeguide.db')}`, http: { port: 0 } });
  addresses = [
    ['127.0.0.1:50051', server.target],
    ['127.0.0.1:8080', httpBase(server).slice('http://'.length)],
  ];
  if (HAVE_POSTGRES) {
    const postgres = new URL(POSTGRES_BASE_URL).host;
    addresses.push(['127.0.0.1:5432', postgres], ['@127.0.0.1/', `@${postgres}/`]);
  }
}, 120_000);
afterAll(async () => {
  await server?.stop();
  directory.remove();
});

function toRun(text: string): string {
  return addresses.reduce((result, [documented, actual]) => result.replaceAll(documented, actual), text);
}

function toDocumented(text: string): string {
  return addresses.reduce((result, [documented, actual]) => result.replaceAll(actual, documented), text);
}

/** `npx routeguide ARGS`: the built CLI, its clients aimed at the test server. */
async function runRouteguide(words: string[], input: string | undefined): Promise<Ran> {
  // A `serve` example listens on a free port (never the documented 50051, which may be in use).
  const env = { ROUTEGUIDE_CLIENT_TARGET: server.target, ROUTEGUIDE_PORT: '0', PGPASSWORD: '' };
  const result = await runCli(words.map(toRun), { env, input });
  return { output: toDocumented(result.stdout + result.stderr) };
}

/** `curl -s [-H 'NAME: VALUE']... [-d BODY] URL`, sent as curl sends it. */
async function runCurl(words: string[]): Promise<Ran> {
  const headers: Record<string, string> = {};
  let body: string | undefined;
  let url: string | undefined;
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!;
    if (word === '-s') continue;
    if (word === '-H') {
      const [name, value] = words[++index]!.split(/:\s*/, 2) as [string, string];
      headers[name] = value;
    } else if (word === '-d') {
      body = words[++index];
    } else if (!word.startsWith('-') && url === undefined) url = word;
    else throw new Error(`curl ${word} is not an option this test knows`);
  }
  // curl -d without a Content-Type of one's own sends a form.
  const typed = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
  if (body !== undefined && !typed) headers['Content-Type'] = 'application/x-www-form-urlencoded';
  if (url === undefined) throw new Error('curl without a URL');
  const response = await fetch(toRun(url), { method: body === undefined ? 'GET' : 'POST', headers, body });
  return { output: toDocumented(await response.text()), status: response.status };
}

const grpcServices = (() => {
  const definition = loadSync(['route_guide.proto', 'route_guide_extensions.proto', 'health/v1/health.proto'], {
    includeDirs: [join(ROOT, 'proto'), resolve(dirname(healthProtoPath), '../..')],
    longs: String,
    enums: String,
    defaults: false,
  });
  return loadPackageDefinition(definition);
})();

function grpcService(name: string): ServiceClientConstructor {
  let found: unknown = grpcServices;
  for (const part of name.split('.')) found = (found as Record<string, unknown> | undefined)?.[part];
  if (typeof found !== 'function') throw new Error(`grpcurl: no service ${name}`);
  return found as ServiceClientConstructor;
}

/** JSON field names as protobuf's JSON mapping reads them: `max_distance_meters` and `maxDistanceMeters` alike. */
function camelCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelCaseKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase()), camelCaseKeys(item)]));
}

/**
 * `grpcurl -plaintext ADDRESS list` and unary `grpcurl -plaintext [-d JSON] ADDRESS SERVICE/METHOD`,
 * as grpcurl prints them: the service names sorted, one a line; a response as JSON indented by two
 * spaces, fields at their default left out.
 */
async function runGrpcurl(words: string[]): Promise<Ran> {
  const [plaintext, ...rest] = words;
  if (plaintext !== '-plaintext') throw new Error('grpcurl examples are -plaintext ones');
  let request = '{}';
  if (rest[0] === '-d') {
    request = rest[1]!;
    rest.splice(0, 2);
  }
  const [address, what, ...extra] = rest;
  if (extra.length > 0 || what === undefined || address === undefined) throw new Error(`grpcurl ${rest.join(' ')} is not a form this test knows`);
  if (what === 'list') {
    const response = await reflect(createReflectionClient(toRun(address)), { list_services: '*' });
    const names: string[] = response.list_services_response.service.map((service: { name: string }) => service.name);
    return { output: names.sort().join('\n') };
  }
  const [serviceName, methodName] = what.split('/') as [string, string];
  const Service = grpcService(serviceName);
  const method = Service.service[methodName];
  if (!method || method.requestStream || method.responseStream) throw new Error(`grpcurl ${what}: only unary calls are run here`);
  const client = new Service(toRun(address), credentials.createInsecure());
  try {
    const response = await new Promise<unknown>((resolvePromise, reject) =>
      client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, camelCaseKeys(JSON.parse(request)), (error, value) =>
        error ? reject(error) : resolvePromise(value),
      ),
    );
    return { output: JSON.stringify(response, null, 2) };
  } finally {
    client.close();
  }
}

function run(example: ConsoleExample): Promise<Ran> {
  const words = shellWords(example.command);
  const operator = words.find((word) => '|<>;&'.includes(word));
  if (operator) throw new Error(`${example.command}: a pipe or redirection (${operator}) is not something this test runs`);
  if (words[0] === 'npx' && words[1] === 'routeguide') return runRouteguide(words.slice(2), example.input);
  if (words[0] === 'curl') return runCurl(words.slice(1));
  if (words[0] === 'grpcurl') return runGrpcurl(words.slice(1));
  throw new Error(`${example.file}:${example.line}: no way to run "${words[0]}"; teach this test to, or show no output`);
}

describe('the examples in the documentation', () => {
  it('include client, curl (GetFeature and NearestFeatures, as JSON) and grpcurl examples', () => {
    const commands = examples.map((example) => example.command);
    expect(commands.some((command) => command.startsWith('npx routeguide client '))).toBe(true);
    expect(commands.some((command) => command.startsWith('grpcurl '))).toBe(true);
    const curls = examples.filter((example) => example.command.startsWith('curl '));
    expect(curls.map((example) => shellWords(example.command).at(-1))).toEqual(
      expect.arrayContaining([
        'http://127.0.0.1:8080/routeguide.RouteGuide/GetFeature',
        'http://127.0.0.1:8080/routeguide.extensions.v1.RouteGuideExtensions/NearestFeatures',
      ]),
    );
    for (const curl of curls) expect(curl.command).toContain("-H 'Content-Type: application/json'");
  });

  for (const example of examples) {
    const needsPostgres = example.command.includes('postgres://');
    it.skipIf(needsPostgres && !HAVE_POSTGRES)(`${example.file}:${example.line} prints what it shows: ${example.command}`, async () => {
      const ran = await run(example);
      expect(ran.output.replace(/\n+$/, '')).toBe(example.output.replace(/\n+$/, ''));
      if (ran.status !== undefined) expect(ran.status).toBe(/^\{"code":/.test(example.output) ? 400 : 200);
    }, 30_000);
  }
});

describe('the links between the documents', () => {
  for (const file of [...documentationFiles(), 'CHANGELOG.md']) {
    it(`${file}: every relative link names a file, and a heading in it, that exist`, () => {
      const broken: string[] = [];
      for (const link of relativeLinks(readFileSync(join(ROOT, file), 'utf8'))) {
        const [path, anchor] = link.split('#', 2) as [string, string | undefined];
        const target = path === '' ? join(ROOT, file) : resolve(dirname(join(ROOT, file)), path);
        if (!existsSync(target)) broken.push(`${link}: no such file`);
        else if (anchor !== undefined && !headingAnchors(readFileSync(target, 'utf8')).has(anchor)) broken.push(`${link}: no such heading`);
      }
      expect(broken).toEqual([]);
    });
  }
});
