import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FeedIndex, feedKey } from './feed-index.ts';
import { decodeFeedItem, encodeFeedItem, feedItemDigest, quarantineReasons } from './feed-diff.ts';
import { money } from './money.ts';

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

  it('comes back whole from its bytes, and refuses bytes of another format', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 20 }), { maxLength: 300 }),
        fc.integer({ min: 0, max: 2 ** 53 - 1 }),
        (skus, seed) => {
          const index = FeedIndex.withRoomFor(skus.length);
          skus.forEach((sku, i) => index.set(feedKey(sku), (seed + i) % 2 ** 53, i % 3 === 0 ? null : i));
          const back = FeedIndex.fromBytes(index.toBytes())!;
          expect(back.size).toBe(skus.length);
          skus.forEach((sku, i) => {
            const slot = back.find(feedKey(sku));
            expect(back.digestAt(slot)).toBe((seed + i) % 2 ** 53);
            expect(back.stockAt(slot)).toBe(i % 3 === 0 ? null : i);
          });
          expect(back.totalStock()).toBe(index.totalStock());
        },
      ),
    );
    expect(FeedIndex.fromBytes(new Uint8Array(40))).toBeUndefined();
    const one = FeedIndex.withRoomFor(1);
    one.set(feedKey('A'), 1, 1);
    expect(FeedIndex.fromBytes(one.toBytes().subarray(0, 20))).toBeUndefined();
  });

  it('writes its next version: the rows kept, changed in place, and new ones', () => {
    const index = FeedIndex.withRoomFor(2);
    index.set(feedKey('keep'), 1, 1);
    index.set(feedKey('drop'), 2, 2);
    const dropped = index.find(feedKey('drop'));
    const changes = [
      { key: feedKey('keep'), digest: 10, stock: 3 },
      ...Array.from({ length: 50 }, (_, i) => ({ key: feedKey(`new-${i}`), digest: i, stock: 1 })),
    ];
    const next = FeedIndex.fromBytes(index.toBytes((slot) => slot !== dropped, changes))!;
    expect(next.size).toBe(51);
    expect(next.find(feedKey('drop'))).toBe(-1);
    expect(next.digestAt(next.find(feedKey('keep')))).toBe(10);
    expect(next.digestAt(next.find(feedKey('new-49')))).toBe(49);
    expect(next.totalStock()).toBe(53);
  });

  it('refuses to be filled past half, rather than probe for ever', () => {
    const index = FeedIndex.withRoomFor(1);
    for (let i = 0; i < index.capacity / 2; i++) index.set(feedKey(`k${i}`), i, null);
    expect(() => index.set(feedKey('one-more'), 0, null)).toThrow(/full/);
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
