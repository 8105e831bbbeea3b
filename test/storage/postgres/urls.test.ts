import { describe, expect, it } from 'vitest';
import { parseStorageUrl, redactStorageUrl, StorageUrlError } from '../../../src/storage/open-storage.js';

describe('PostgreSQL storage URLs', () => {
  it('parses postgres:// and postgresql:// into host, port, database, user and password', () => {
    const expected = {
      scheme: 'postgres',
      host: 'db.example.com',
      port: 6543,
      database: 'routes',
      user: 'guide',
      password: 's3cret',
      sslMode: undefined,
      applicationName: undefined,
      redacted: 'postgres://guide:***@db.example.com:6543/routes',
    };
    expect(parseStorageUrl('postgres://guide:s3cret@db.example.com:6543/routes')).toEqual(expected);
    expect(parseStorageUrl('postgresql://guide:s3cret@db.example.com:6543/routes')).toEqual({
      ...expected,
      redacted: 'postgresql://guide:***@db.example.com:6543/routes',
    });
  });

  it('defaults the port to 5432, leaves a missing user and password to the driver, and unbrackets IPv6 hosts', () => {
    expect(parseStorageUrl('postgres://127.0.0.1/rg')).toMatchObject({ host: '127.0.0.1', port: 5432, database: 'rg', user: undefined, password: undefined });
    expect(parseStorageUrl('postgres://guide@[::1]:5433/rg')).toMatchObject({ host: '::1', port: 5433, user: 'guide', password: undefined });
  });

  it('decodes %-escapes in the user, password and database name', () => {
    expect(parseStorageUrl('postgres://gu%40ide:p%40ss%2Fword@h/my%20db')).toMatchObject({ user: 'gu@ide', password: 'p@ss/word', database: 'my db' });
  });

  it('reads sslmode and application_name, and nothing else', () => {
    expect(parseStorageUrl('postgres://h/rg?sslmode=no-verify&application_name=edge-1')).toMatchObject({
      sslMode: 'no-verify',
      applicationName: 'edge-1',
    });
    for (const mode of ['disable', 'prefer', 'require', 'verify-ca', 'verify-full']) {
      expect(parseStorageUrl(`postgres://h/rg?sslmode=${mode}`)).toMatchObject({ sslMode: mode });
    }
    expect(() => parseStorageUrl('postgres://u:pw@h/rg?sslmode=allow')).toThrow(
      'storage URL "postgres://u:***@h/rg?sslmode=allow": sslmode "allow" must be one of disable, prefer, require, verify-ca, verify-full, no-verify',
    );
    expect(() => parseStorageUrl('postgres://u:pw@h/rg?connect_timeout=5')).toThrow(
      'storage URL "postgres://u:***@h/rg?connect_timeout=5": unknown parameter "connect_timeout"; supported: sslmode, application_name',
    );
  });

  it('rejects a URL without a host or a database in one line that never shows the password', () => {
    const cases: [string, RegExp][] = [
      ['postgres://u:hunter2@/rg', /"postgres:\/\/u:\*\*\*@\/rg": (needs a host|not a valid URL)/],
      ['postgres://u:hunter2@h', /"postgres:\/\/u:\*\*\*@h": needs one database name after the host/],
      ['postgres://u:hunter2@h/', /needs one database name/],
      ['postgres://u:hunter2@h/a/b', /needs one database name/],
      ['postgres://u:hunter2@h:99999/rg', /not a valid URL/],
      ['postgres://u:hunter2@h/%zz', /the database name has a bad %-escape/],
    ];
    for (const [url, message] of cases) {
      let caught: unknown;
      try {
        parseStorageUrl(url);
      } catch (error) {
        caught = error;
      }
      expect(caught, url).toBeInstanceOf(StorageUrlError);
      const text = (caught as Error).message;
      expect(text, url).toMatch(message);
      expect(text, url).not.toContain('hunter2');
      expect(text, url).not.toContain('\n');
    }
  });

  it('redacts the password of any URL, even one that does not parse, and leaves others as they are', () => {
    expect(redactStorageUrl('postgres://u:pw@h:5432/rg?sslmode=require')).toBe('postgres://u:***@h:5432/rg?sslmode=require');
    expect(redactStorageUrl('postgres://u:p@ss:w/rd@h/rg')).toBe('postgres://u:***@h/rg');
    expect(redactStorageUrl('postgres://u@h/rg')).toBe('postgres://u@h/rg');
    expect(redactStorageUrl('postgres://h:5432/rg')).toBe('postgres://h:5432/rg');
    expect(redactStorageUrl('sqlite:./data/a@b.db')).toBe('sqlite:./data/a@b.db');
    expect(redactStorageUrl('memory:')).toBe('memory:');
  });
});
