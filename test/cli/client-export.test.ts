import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RouteGuideClient } from '../../src/client/client.js';
import type { CommandContext } from '../../src/cli/client-command.js';
import { UsageError } from '../../src/cli/errors.js';

// No format in this branch's table is binary yet: csv plays one here, to test the hook that binary formats (parquet, fgb) go through.
vi.mock('../../src/feature-files/write-feature-file.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/feature-files/write-feature-file.js')>();
  return { ...original, isBinaryFormat: (format: string) => format === 'csv' };
});

const { exportCommand } = await import('../../src/cli/client-export.js');

const wasTty = process.stdout.isTTY;
afterEach(() => {
  process.stdout.isTTY = wasTty;
});

function context(format: string, exportFeatures: () => AsyncIterable<never>): CommandContext {
  return {
    client: { exportFeatures } as unknown as RouteGuideClient,
    out: undefined as never,
    args: ['-90', '-180', '90', '180'],
    call: {},
    options: { format },
  };
}

describe('client export', () => {
  it('refuses a binary format when stdout is a terminal, in one line, before calling the server', async () => {
    process.stdout.isTTY = true;
    const exportFeatures = vi.fn();
    const refused = exportCommand.run(context('csv', exportFeatures));
    await expect(refused).rejects.toBeInstanceOf(UsageError);
    await expect(refused).rejects.toThrow('routeguide client export: --format csv is binary and stdout is a terminal; redirect it to a file (> export.csv) or a pipe');
    expect(exportFeatures).not.toHaveBeenCalled();
  });

  it('writes a text format to a terminal', async () => {
    process.stdout.isTTY = true;
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await exportCommand.run(context('json', async function* () {}))).toBe(0);
      expect(write.mock.calls.map(([chunk]) => String(chunk)).join('')).toBe('[\n]\n');
    } finally {
      write.mockRestore();
    }
  });
});
