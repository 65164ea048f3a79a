import { FeedRefused } from './feed-refused.ts';

/** The size of the stretches a feed is read in, however large the buffers it comes in. */
const STRETCH_BYTES = 64 * 1024;

/** The input as Buffers of at most STRETCH_BYTES (views, not copies): one big buffer is still read in stretches. */
export async function* stretches(input: AsyncIterable<Uint8Array> | Uint8Array): AsyncGenerator<Buffer> {
  const all = input instanceof Uint8Array ? [input] : input;
  for await (const chunk of all) {
    if (!(chunk instanceof Uint8Array)) throw new TypeError('a feed is read from bytes, not text');
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (let at = 0; at < bytes.length; at += STRETCH_BYTES) yield bytes.subarray(at, at + STRETCH_BYTES);
  }
}

/** The first `size` bytes (fewer when the source ends first), taken from the source. */
export async function peek(source: AsyncIterator<Buffer>, size: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let taken = 0;
  while (taken < size) {
    const next = await source.next();
    if (next.done) break;
    parts.push(next.value);
    taken += next.value.length;
  }
  return Buffer.concat(parts, taken);
}

/** The bytes peeked, then the rest of the source. */
export async function* replay(head: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  if (head.length > 0) yield head;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

/** A file read whole, for the formats that cannot be read as they stream; refused past `limit` bytes. */
export async function wholeFile(
  bytes: AsyncIterable<Buffer>,
  limit: number,
  tooLarge: () => string,
): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of bytes) {
    size += chunk.length;
    if (size > limit) throw new FeedRefused(tooLarge());
    parts.push(chunk);
  }
  return Buffer.concat(parts, size);
}
