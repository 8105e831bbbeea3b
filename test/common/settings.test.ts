import { describe, expect, it } from 'vitest';
import { booleanSetting, optionalSecondsSetting, textSetting } from '../../src/common/setting-values.js';
import { otherVariables, parseCommandLine, SettingsError } from '../../src/common/settings.js';

const specs = {
  target: { schema: textSetting('127.0.0.1:50051'), description: '' },
  timeout: { schema: optionalSecondsSetting(), description: '' },
  json: { schema: booleanSetting(), description: '', boolean: true },
};

const parse = (argv: string[], env: Record<string, string> = {}) => parseCommandLine('routeguide client list', specs, argv, env);

describe('the command line', () => {
  // node:util's parseArgs reads -75 as the short options -7 and -5; every command reads it as a number.
  it('reads negative numbers as arguments, wherever they are', () => {
    expect(parse(['40', '-75', '--timeout', '5', '42', '-73.5', '-.5']).positionals).toEqual(['40', '-75', '42', '-73.5', '-.5']);
  });

  it('takes --name value, --name=value and bare boolean flags; -- ends the flags', () => {
    const { settings, positionals } = parse(['--target=h:1', '--json', '--timeout', '2', '--', '--json', '-x']);
    expect(settings).toEqual({ target: 'h:1', timeout: 2000, json: true });
    expect(positionals).toEqual(['--json', '-x']);
  });

  it('a flag beats the environment, which beats the default, and says where a value came from', () => {
    const fromEnvironment = parse([], { ROUTEGUIDE_TARGET: 'env:1' });
    expect(fromEnvironment.settings.target).toBe('env:1');
    expect(fromEnvironment.source('target')).toBe('ROUTEGUIDE_TARGET');
    const fromFlag = parse(['--target', 'flag:1'], { ROUTEGUIDE_TARGET: 'env:1' });
    expect(fromFlag.settings.target).toBe('flag:1');
    expect(fromFlag.source('target')).toBe('--target');
    expect(parse([]).settings.target).toBe('127.0.0.1:50051');
  });

  it.each([
    [['-x'], 'routeguide client list: unknown option -x; see routeguide client list --help'],
    [['--frobnicate'], 'routeguide client list: unknown option --frobnicate; see routeguide client list --help'],
    [['--timeout'], 'routeguide client list: --timeout needs a value'],
    [['--timeout', 'soon'], 'routeguide client list: invalid --timeout="soon": must be a number of seconds greater than 0'],
  ])('%j is one line naming what is wrong', (argv, line) => {
    expect(() => parse(argv)).toThrow(SettingsError);
    expect(() => parse(argv)).toThrow(line);
  });

  it('reads the variables of other programs only through otherVariables', () => {
    expect(otherVariables({ PGPASSWORD: 'pw', npm_lifecycle_event: 'start', ROUTEGUIDE_DEBUG: '1' })).toEqual({
      storagePassword: 'pw',
      underNpm: true,
      debug: true,
    });
    expect(otherVariables({ ROUTEGUIDE_DEBUG: 'yes' })).toEqual({ storagePassword: undefined, underNpm: false, debug: false });
  });
});
