import { describe, expect, it } from 'vitest';
import { coalescedReads } from './coalesced-reads.ts';

describe('coalescedReads', () => {
  const table = () => {
    const rows = new Map<string, number>([
      ['a', 1],
      ['b', 2],
    ]);
    const reads: string[][] = [];
    const read = coalescedReads(async (keys: readonly string[]) => {
      reads.push([...keys]);
      return new Map(keys.filter((k) => rows.has(k)).map((k) => [k, rows.get(k)!]));
    }, 2);
    return { rows, reads, read };
  };

  it('makes one read of the distinct keys asked for in one turn, across callbacks of that turn, at most maxBatch a read', async () => {
    const { reads, read } = table();
    const asked: Promise<number | null>[] = [];
    // Two I/O-like callbacks of one turn: each asks from a callback of its own, as two sockets' requests would.
    await new Promise<void>((done) => {
      setImmediate(() => asked.push(read('a'), read('b')));
      setImmediate(() => {
        asked.push(read('a'), read('zz'));
        done();
      });
    });
    expect(await Promise.all(asked)).toEqual([1, 2, 1, null]);
    expect(reads).toEqual([
      ['a', 'b'],
      ['a', 'zz'],
    ]);
  });

  it('caches nothing: a key asked again after a change is read again and answers the change', async () => {
    const { rows, reads, read } = table();
    expect(await read('a')).toBe(1);
    rows.set('a', 10);
    rows.delete('b');
    expect(await read('a')).toBe(10);
    expect(await read('b')).toBeNull();
    expect(reads).toHaveLength(3);
  });

  it('fails every caller of a read that fails', async () => {
    const read = coalescedReads<string, number>(() => Promise.reject(new Error('database gone')), 10);
    const results = await Promise.allSettled([read('a'), read('b')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
