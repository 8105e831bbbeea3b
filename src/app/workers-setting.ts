import { availableParallelism } from 'node:os';
import { z } from 'zod';

/** The most server processes `--workers` starts on one machine. */
export const MAX_WORKERS = 256;

/**
 * `--workers`: a number of server processes from 1 to MAX_WORKERS, or `auto` for one per core
 * (os.availableParallelism()); 1 when not set.
 */
export function workersSetting() {
  return z
    .string()
    .refine((text) => text.trim() === 'auto' || (/^\d+$/.test(text.trim()) && Number(text) >= 1 && Number(text) <= MAX_WORKERS), {
      error: `must be an integer between 1 and ${MAX_WORKERS}, or auto (one per core)`,
    })
    .optional()
    .transform((text) => {
      if (text === undefined) return 1;
      return text.trim() === 'auto' ? Math.min(availableParallelism(), MAX_WORKERS) : Number(text);
    });
}
