import { FeatureFileError, type SkippedRecords } from './feature-file.js';

/** How many skipped records' problems a report quotes. */
const EXAMPLES = 5;

/**
 * Where a reader sends each record it cannot import: thrown at once (the import fails, nothing is
 * written), or, under `--skip-invalid`, counted, with the first few problems kept for the report.
 */
export class InvalidRecords implements SkippedRecords {
  count = 0;
  readonly examples: string[] = [];

  constructor(private readonly skip: boolean) {}

  /** Throws `error` unless skipping; otherwise counts it, and the caller goes on to the next record. */
  reject(error: FeatureFileError): void {
    if (!this.skip) throw error;
    this.count++;
    if (this.examples.length < EXAMPLES) this.examples.push(error.message);
  }

  /** A copy, for FeatureFile.skipped(). */
  report(): SkippedRecords {
    return { count: this.count, examples: [...this.examples] };
  }
}

/** The failure of `convert` on `value`, again, with `where` starting its message: converters are pure. */
export function convertedAgain(convert: (value: unknown, where: string) => unknown, value: unknown, where: string, failure: FeatureFileError): FeatureFileError {
  try {
    convert(value, where);
  } catch (error) {
    if (error instanceof FeatureFileError) return error;
    throw error;
  }
  return failure;
}
