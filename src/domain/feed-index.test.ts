import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FeedIndex, feedKey } from './feed-index.ts';
import { decodeFeedItem, encodeFeedItem, feedItemDigest, quarantineReasons } from './feed-diff.ts';
import { money } from './money.ts';

const row = (sku: string, digest: number, stock: number | null) => ({ key: feedKey(sku), digest, stock });
const sameKey = (key: { hi: number; lo: number }, sku: string) =>
  key.hi === feedKey(sku).hi && key.lo === feedKey(sku).lo;

describe('FeedIndex', () => {
  it('finds what was set, with its digest and stock, and nothing else', () => {
    const index = FeedIndex.withRoomFor(3);
    index.set(feedKey('A-1'), 11, 5);
    index.set(feedKey('B-2'), 22, null);
    expect(index.size).toBe(2);
    const a = index.find(feedKey('A-1'));
    expect(index.digestAt(a)).toBe(11);
    expect(index.stockAt(a)).toBe(5);
    expect(index.stockAt(index.find(feedKey('B-2')))).toBeNull();
    expect(index.find(feedKey('C-3'))).toBe(-1);
    expect(index.totalStock()).toBe(5);
    // Set again: replaced in place, not a second row.
    index.set(feedKey('A-1'), 12, 7);
    expect(index.size).toBe(2);
    expect(index.digestAt(index.find(feedKey('A-1')))).toBe(12);
  });

  /** The index as the next import reads it: its last base and the changes since it. */
  const reload = (
    kept: { base?: Uint8Array | undefined; changes?: Uint8Array | undefined },
    base?: Uint8Array,
  ) => FeedIndex.load({ base: kept.base ?? base, changes: kept.changes })!;

  it('comes back whole through its base and its changes, and refuses bytes of another format', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 20 }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 0, max: 2 ** 53 - 1 }),
        fc.integer({ min: 1, max: 10 }),
        (skus, seed, every) => {
          const kept1 = FeedIndex.withRoomFor(0).advance(
            () => true,
            skus.map((sku, i) => row(sku, (seed + i) % 2 ** 53, i)),
          );
          expect(kept1.base).toBeDefined();
          // The next import changes one row in `every` and drops one in ten: a few changes, or a new base.
          const second = reload(kept1);
          const dropped = new Set(skus.filter((_, i) => i % 10 === 9));
          const kept2 = second.advance(
            (slot) => ![...dropped].some((sku) => sameKey(second.keyAt(slot), sku)),
            skus.filter((sku, i) => i % every === 0 && !dropped.has(sku)).map((sku) => row(sku, 7, null)),
          );
          const back = reload(kept2, kept1.base);
          expect(back.size).toBe(skus.length - dropped.size);
          skus.forEach((sku, i) => {
            const slot = back.find(feedKey(sku));
            if (dropped.has(sku)) return expect(slot).toBe(-1);
            const changed = i % every === 0;
            expect(back.digestAt(slot)).toBe(changed ? 7 : (seed + i) % 2 ** 53);
            expect(back.stockAt(slot)).toBe(changed ? null : i);
          });
          expect(back.totalStock()).toBe(second.totalStock());
        },
      ),
    );
    expect(FeedIndex.load({ base: new Uint8Array(40), changes: undefined })).toBeUndefined();
    const one = FeedIndex.withRoomFor(0).advance(() => true, [row('A', 1, 1)]);
    expect(FeedIndex.load({ base: one.base!.subarray(0, 20), changes: undefined })).toBeUndefined();
    // A base given as changes is another format.
    expect(FeedIndex.load({ base: one.base, changes: one.base })).toBeUndefined();
  });

  it('writes only the changes while they are under a quarter of the rows, then the base again', () => {
    const skus = Array.from({ length: 1000 }, (_, i) => `SKU-${i}`);
    const base = FeedIndex.withRoomFor(0).advance(
      () => true,
      skus.map((sku, i) => row(sku, i, 1)),
    ).base!;
    let kept: { base?: Uint8Array | undefined; changes?: Uint8Array | undefined } = { base };
    // Imports of 100 changed rows each: the changes hold every row changed since the base, up to 250.
    for (let round = 1; round <= 2; round++) {
      kept = reload(kept, base).advance(
        () => true,
        skus.slice(round * 100, round * 100 + 100).map((s) => row(s, 0, 2)),
      );
      expect(kept.base).toBeUndefined();
      expect(kept.changes!.byteLength).toBe(8 + round * 100 * 24);
    }
    // A third round passes a quarter (300 of 1,000 rows changed since the base): the base again, no changes.
    kept = reload(kept, base).advance(
      () => true,
      skus.slice(300, 400).map((s) => row(s, 0, 2)),
    );
    expect(kept.base).toBeDefined();
    expect(kept.changes).toBeUndefined();
    const back = reload(kept);
    expect(back.size).toBe(1000);
    expect(back.totalStock()).toBe(1000 + 300);
  });

  it('starts from its changes alone when no base was written (a first feed that listed nothing)', () => {
    const empty = FeedIndex.withRoomFor(0).advance(() => true, []);
    expect(empty.base).toBeUndefined();
    const index = FeedIndex.load({ base: undefined, changes: empty.changes })!;
    expect(index.size).toBe(0);
    const next = index.advance(() => true, [row('A', 1, 2)]);
    expect(reload(next).find(feedKey('A'))).toBeGreaterThanOrEqual(0);
  });

  it('removes rows without losing the rows probed past them, and grows past its room', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ maxLength: 6 }), { maxLength: 200 }), (skus) => {
        const index = FeedIndex.withRoomFor(4);
        skus.forEach((sku, i) => index.set(feedKey(sku), i, i));
        const gone = skus.filter((_, i) => i % 3 === 0);
        for (const sku of gone) index.remove(feedKey(sku));
        expect(index.size).toBe(skus.length - gone.length);
        expect(index.capacity).toBeGreaterThanOrEqual(index.size * 2);
        skus.forEach((sku, i) => {
          const slot = index.find(feedKey(sku));
          if (i % 3 === 0) expect(slot).toBe(-1);
          else expect(index.digestAt(slot)).toBe(i);
        });
      }),
    );
  });

  it('loads a base and its changes into the room of the base when the changes replace its rows', () => {
    const skus = Array.from({ length: 1_000 }, (_, i) => `S-${i}`);
    const { base } = FeedIndex.withRoomFor(0).advance(
      () => true,
      skus.map((sku, i) => row(sku, i, i)),
    );
    const alone = reload({ base });
    // A twentieth of the rows changed, and three new ones: the changes are kept, not a new base.
    const kept = reload({ base }).advance(
      () => true,
      [...skus.filter((_, i) => i % 20 === 0).map((sku) => row(sku, -7, 1)), row('NEW-1', 1, 1)],
    );
    expect(kept.base).toBeUndefined();
    const next = reload(kept, base);
    expect(next.capacity).toBe(alone.capacity);
    expect(next.size).toBe(1_001);
    expect(next.digestAt(next.find(feedKey('S-20')))).toBe(-7);
    expect(next.digestAt(next.find(feedKey('S-21')))).toBe(21);
    // Changes that add more rows than the base's room holds grow the table as they load.
    const many = reload({ base }).advance(
      () => true,
      Array.from({ length: 200 }, (_, i) => row(`ADD-${i}`, i, 1)),
    );
    const grown = reload(many, base);
    expect(grown.size).toBe(1_200);
    expect(grown.capacity).toBeGreaterThanOrEqual(2_400);
    expect(grown.digestAt(grown.find(feedKey('ADD-199')))).toBe(199);
  });

  it('keeps a removed row removed through the changes, until it comes back', () => {
    const base = FeedIndex.withRoomFor(0).advance(
      () => true,
      ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I'].map((s) => row(s, 1, 1)),
    ).base!;
    const index = reload({ base });
    const kept = index.advance((slot) => !sameKey(index.keyAt(slot), 'B'), []);
    expect(kept.base).toBeUndefined();
    expect(reload(kept, base).find(feedKey('B'))).toBe(-1);
    expect(reload(kept, base).size).toBe(8);
    const back = reload(kept, base).advance(() => true, [row('B', 9, 3)]);
    const after = reload(back, base);
    expect(after.digestAt(after.find(feedKey('B')))).toBe(9);
    expect(after.size).toBe(9);
  });

  it('marks the row a diff saw each SKU at, apart from what it keeps of the row', () => {
    const base = FeedIndex.withRoomFor(0).advance(
      () => true,
      ['A', 'B', 'C', 'D', 'E'].map((s, i) => row(s, i, 10)),
    ).base!;
    const index = reload({ base });
    index.see(index.find(feedKey('A')), 1);
    index.see(index.find(feedKey('C')), 2 ** 30 - 1);
    expect(index.seenAt(index.find(feedKey('A')))).toBe(1);
    expect(index.seenAt(index.find(feedKey('C')))).toBe(2 ** 30 - 1);
    expect(index.seenAt(index.find(feedKey('B')))).toBe(0);
    expect(() => index.see(index.find(feedKey('B')), 2 ** 30)).toThrow(RangeError);
    // A full feed's next version keeps what it listed: A (changed) and C; their rows are written whole.
    const kept = index.advance((slot) => index.seenAt(slot) !== 0, [row('A', 99, 1)]);
    const next = reload(kept, base);
    expect(next.size).toBe(2);
    expect(next.digestAt(next.find(feedKey('A')))).toBe(99);
    expect(next.digestAt(next.find(feedKey('C')))).toBe(2);
    expect(next.seenAt(next.find(feedKey('C')))).toBe(0);
  });

  it('gives SKUs that differ in one character different keys (no collision in 200,000 close SKUs)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200_000; i++) {
      const key = feedKey(`SKU-${String(i).padStart(7, '0')}`);
      seen.add(`${key.hi}:${key.lo}`);
    }
    expect(seen.size).toBe(200_000);
  });
});

describe('feed items', () => {
  const item = {
    supplierSku: 'A-1',
    gtin: '4006381333931',
    cost: money(1234, 'EUR'),
    stock: 7,
    leadDays: 2,
    shipFrom: { country: 'DE', region: 'BY' },
    packSize: 6,
    minQuantity: 2,
    map: money(1999, 'EUR'),
    discontinued: false,
  };

  it('encode and decode round trip, absent fields staying absent', () => {
    expect(decodeFeedItem('A-1', encodeFeedItem(item))).toEqual(item);
    expect(decodeFeedItem('B', encodeFeedItem({ supplierSku: 'B', stock: 0 }))).toEqual({
      supplierSku: 'B',
      gtin: undefined,
      cost: undefined,
      stock: 0,
      leadDays: undefined,
      shipFrom: undefined,
      packSize: undefined,
      minQuantity: undefined,
      map: undefined,
      discontinued: undefined,
    });
  });

  it('give different digests for rows that differ in any field, the same for equal rows', () => {
    const base = feedItemDigest(item);
    expect(feedItemDigest({ ...item })).toBe(base);
    expect(feedItemDigest(decodeFeedItem('A-1', encodeFeedItem(item)))).toBe(base);
    for (const change of [
      { stock: 8 },
      { stock: undefined },
      { cost: money(1235, 'EUR') },
      { cost: money(1234, 'USD') },
      { discontinued: true },
      { shipFrom: { country: 'DE' } },
      { map: undefined },
    ])
      expect(feedItemDigest({ ...item, ...change })).not.toBe(base);
    // Fields are kept apart: a value moved from one text field to the next is another item.
    expect(
      feedItemDigest({ supplierSku: 'A', gtin: '12', shipFrom: { country: 'DE', region: 'B' } }),
    ).not.toBe(feedItemDigest({ supplierSku: 'A', gtin: '12', shipFrom: { country: 'DEB' } }));
    expect(feedItemDigest({ supplierSku: 'A', stock: 0 })).not.toBe(feedItemDigest({ supplierSku: 'A' }));
    expect(Number.isSafeInteger(base)).toBe(true);
  });
});

describe('quarantine', () => {
  const limits = { errorPercent: 20, stockDropPercent: 90, skuDropPercent: 50 };
  const effect = {
    rows: 100,
    failed: 0,
    stockBefore: 1000,
    stockAfter: 1000,
    skusBefore: 100,
    skusAfter: 100,
  };

  it('holds a feed at or past each threshold, naming it, and lets one under them through', () => {
    expect(quarantineReasons(effect, limits)).toEqual([]);
    expect(quarantineReasons({ ...effect, failed: 20 }, limits)).toEqual([
      '20 of 100 rows failed (20 %; the limit is 20 %)',
    ]);
    expect(quarantineReasons({ ...effect, failed: 19 }, limits)).toEqual([]);
    expect(quarantineReasons({ ...effect, stockAfter: 100 }, limits)[0]).toMatch(/from 1000 to 100 \(90 %/);
    expect(quarantineReasons({ ...effect, stockAfter: 101 }, limits)).toEqual([]);
    expect(quarantineReasons({ ...effect, skusAfter: 50 }, limits)[0]).toMatch(
      /lists 50 SKUs where the last listed 100/,
    );
    // A delta lists changes only: no SKU count to fall.
    expect(quarantineReasons({ ...effect, skusAfter: undefined }, limits)).toEqual([]);
  });

  it('has nothing to fall from on a first feed', () => {
    expect(
      quarantineReasons(
        { rows: 10, failed: 0, stockBefore: 0, stockAfter: 5, skusBefore: 0, skusAfter: 10 },
        limits,
      ),
    ).toEqual([]);
  });
});
