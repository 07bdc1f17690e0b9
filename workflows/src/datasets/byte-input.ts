/**
 * A forward-only reader over chunks as they arrive (an upload's stream, or one buffer): it pulls chunks only
 * when asked for more bytes than it holds, so what it keeps is bounded by the largest single request, and it
 * knows the offset of the next byte in the whole input.
 */
export class ByteInput {
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  private readonly chunks: AsyncIterator<Uint8Array> | null;
  private done = false;
  /** Offset in the whole input of the next byte `take` returns. */
  position = 0;

  constructor(source: AsyncIterable<Uint8Array> | Uint8Array) {
    if (source instanceof Uint8Array) {
      this.held = source.length ? [source] : [];
      this.heldBytes = source.length;
      this.chunks = null;
      this.done = true;
    } else {
      this.chunks = source[Symbol.asyncIterator]();
    }
  }

  /** Pulls one more chunk; false at the end of the input. */
  private async pull(): Promise<boolean> {
    if (this.done || !this.chunks) return false;
    const next = await this.chunks.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    const chunk = next.value instanceof Uint8Array ? next.value : new Uint8Array(next.value as ArrayBuffer);
    if (chunk.length) {
      this.held.push(chunk);
      this.heldBytes += chunk.length;
    }
    return true;
  }

  /** Holds at least `n` bytes (or all that is left); returns how many it holds. */
  async fill(n: number): Promise<number> {
    while (this.heldBytes < n && (await this.pull())) {}
    return this.heldBytes;
  }

  /** Whether the input has no byte left. */
  async atEnd(): Promise<boolean> {
    return (await this.fill(1)) === 0;
  }

  /** The first `n` held bytes, without consuming them (fewer at the end of the input). */
  async peek(n: number): Promise<Uint8Array> {
    await this.fill(n);
    const first = this.held[0];
    if (first && first.length >= n) return first.subarray(0, n);
    const joined = concat(this.held, Math.min(n, this.heldBytes));
    this.held = joined.length === this.heldBytes ? [joined] : [joined, ...this.rest(joined.length)];
    return joined;
  }

  /** Consumes and returns exactly `n` bytes; `null` when the input ends first. */
  async take(n: number): Promise<Uint8Array | null> {
    const bytes = await this.peek(n);
    if (bytes.length < n) return null;
    this.drop(n);
    return bytes;
  }

  /** Consumes and returns up to `max` bytes (at least one unless the input has ended): a piece of a stream. */
  async takeSome(max: number): Promise<Uint8Array> {
    if (this.heldBytes === 0) await this.fill(1);
    const first = this.held[0];
    if (!first) return new Uint8Array(0);
    const piece = first.subarray(0, Math.min(max, first.length));
    this.drop(piece.length);
    return piece;
  }

  /** Consumes `n` bytes without keeping them; false when the input ends first. */
  async skip(n: number): Promise<boolean> {
    for (let left = n; left > 0; ) {
      const piece = await this.takeSome(Math.min(left, 1 << 20));
      if (!piece.length) return false;
      left -= piece.length;
    }
    return true;
  }

  /** Puts back bytes taken last (an inflater that stopped before the end of what it was given). */
  unshift(bytes: Uint8Array): void {
    if (!bytes.length) return;
    this.held.unshift(bytes);
    this.heldBytes += bytes.length;
    this.position -= bytes.length;
  }

  private drop(n: number): void {
    this.held = this.rest(n);
    this.heldBytes -= n;
    this.position += n;
  }

  /** The held chunks after the first `n` bytes. */
  private rest(n: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    let skip = n;
    for (const chunk of this.held) {
      if (skip >= chunk.length) skip -= chunk.length;
      else {
        out.push(skip ? chunk.subarray(skip) : chunk);
        skip = 0;
      }
    }
    return out;
  }
}

function concat(chunks: Uint8Array[], n: number): Uint8Array {
  const out = new Uint8Array(n);
  let at = 0;
  for (const chunk of chunks) {
    if (at >= n) break;
    const part = chunk.subarray(0, n - at);
    out.set(part, at);
    at += part.length;
  }
  return out;
}
