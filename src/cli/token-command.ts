import { badClientName } from '../access/auth-file.js';
import { tokenHash, newToken } from '../access/tokens.js';
import { optionalChoiceSetting } from '../common/setting-values.js';
import { helpText, parseCommandLine, type Environment } from '../common/settings.js';
import { UsageError } from './errors.js';

const COMMAND = 'routeguide token';
const USAGE = `${COMMAND} NAME --scope read|write`;

export const tokenSettings = {
  scope: {
    schema: optionalChoiceSetting(['read', 'write']),
    description: 'what the client may do: read (every call that only reads) or write (also RouteChat and PostNote)',
    defaultText: 'none: required',
    valueName: 'SCOPE',
  },
} as const;

/**
 * `routeguide token NAME --scope read|write`: prints a new random token (256 bits) and the auth
 * file's line for it, which holds only the token's hash. The token is shown this once.
 */
export function tokenCommand(argv: readonly string[], env: Environment): number {
  const { settings, positionals, help } = parseCommandLine(COMMAND, tokenSettings, argv, env);
  if (help) {
    process.stdout.write(helpText(USAGE, 'Makes a token for a client: prints the token, to give the client, and the line to add to the --auth-file of serve.', tokenSettings) + '\n');
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`${COMMAND}: expected one argument, the client's name, got ${positionals.length}; usage: ${USAGE}`);
  const name = positionals[0]!;
  const badName = badClientName(name);
  if (badName !== undefined) throw new UsageError(`${COMMAND}: ${badName}`);
  const scope = settings.scope;
  if (scope === undefined) throw new UsageError(`${COMMAND}: --scope read or --scope write is required; usage: ${USAGE}`);
  const token = newToken();
  process.stdout.write(
    [
      `token for ${name} (give it to the client; it is not stored anywhere):`,
      token,
      `line for the auth file (it holds only the token's hash):`,
      `${name} ${scope} sha256:${tokenHash(token).toString('hex')}`,
    ].join('\n') + '\n',
  );
  return 0;
}
