/**
 * A file's bytes as they arrive in chunks, for a binary format read front to back: the reader asks
 * for the next n bytes to be buffered, reads them in place, and moves on. Only the bytes not yet
 * consumed and the latest chunk are held, however large the file.
 */
export class ByteQueue {
  /** The buffered bytes; those before `offset` are consumed. */
  bytes: Uint8Array = new Uint8Array(0);
  offset = 0;
  private readonly chunks: AsyncIterator<Uint8Array>;

  constructor(chunks: AsyncIterable<Uint8Array>) {
    this.chunks = chunks[Symbol.asyncIterator]();
  }

  /** How many bytes are buffered past the offset. */
  available(): number {
    return this.bytes.length - this.offset;
  }

  /**
   * Reads chunks until at least `n` bytes are buffered past the offset; false if the file ends
   * first. The unconsumed bytes move to the front of a new `bytes`, so offsets into the old one lapse.
   */
  async fill(n: number): Promise<boolean> {
    if (this.available() >= n) return true;
    // Joined once, however many chunks a large record spans.
    const parts = [this.bytes.subarray(this.offset)];
    let total = parts[0]!.length;
    let ended = false;
    while (total < n) {
      const next = await this.chunks.next();
      if (next.done === true) {
        ended = true;
        break;
      }
      parts.push(next.value);
      total += next.value.length;
    }
    if (parts.length === 2 && parts[0]!.length === 0) {
      this.bytes = parts[1]!;
    } else if (parts.length > 1) {
      const joined = new Uint8Array(total);
      let at = 0;
      for (const part of parts) {
        joined.set(part, at);
        at += part.length;
      }
      this.bytes = joined;
    }
    this.offset = parts.length > 1 ? 0 : this.offset;
    return !ended;
  }

  /** Consumes the next `n` bytes without keeping them; false if the file ends first. */
  async skip(n: number): Promise<boolean> {
    let left = n;
    while (left > 0) {
      if (this.available() === 0 && !(await this.fill(1))) return false;
      const step = Math.min(left, this.available());
      this.offset += step;
      left -= step;
    }
    return true;
  }
}
