import { describe, expect, it } from 'vitest';
import { confirmVariants } from './variant-refresh.ts';
import { VariantMemory, type KnownVariant } from './variants.ts';

const variant = (n: number, seenAt: number): KnownVariant => ({
  id: `gid://shopify/ProductVariant/${n}`,
  productId: `gid://shopify/Product/${n}`,
  inventoryItemId: `gid://shopify/InventoryItem/${n}`,
  seenAt,
});
const line = (n: number, sku: string | null) =>
  JSON.stringify({
    id: `gid://shopify/ProductVariant/${n}`,
    sku,
    product: { id: `gid://shopify/Product/${n}` },
    inventoryItem: { id: `gid://shopify/InventoryItem/${n}` },
  });

describe('confirmVariants: what a bulk export of the variants tells the memory', () => {
  it('trusts what it shows unchanged from when it began, forgets what it shows otherwise, and learns the rest', async () => {
    const memory = new VariantMemory().of('https://demo-shop.myshopify.com');
    memory.variants.set('SAME', variant(1, 100));
    memory.variants.set('MOVED', variant(2, 100));
    memory.variants.set('GONE', variant(3, 100));
    memory.variants.set('TWICE', variant(4, 100));
    // Searched after the export began: newer than the file, whatever it says.
    memory.variants.set('LATER', variant(5, 2_000));
    memory.absent.set('NEW', 9_999);
    const file = [
      line(1, 'SAME'),
      line(6, 'MOVED'),
      line(4, 'TWICE'),
      line(7, ' TWICE '),
      line(8, 'LATER'),
      line(9, 'NEW'),
      line(10, null),
      '',
    ].join('\n');
    await confirmVariants(memory, file, 1_000);
    expect(Object.fromEntries(memory.variants)).toEqual({
      SAME: variant(1, 1_000),
      MOVED: variant(6, 1_000),
      LATER: variant(5, 2_000),
      NEW: variant(9, 1_000),
    });
    expect(memory.absent.has('NEW')).toBe(false);
  });

  it('refuses a line it cannot read rather than learn half a catalogue', async () => {
    const memory = new VariantMemory().of('https://demo-shop.myshopify.com');
    memory.variants.set('SAME', variant(1, 100));
    await expect(
      confirmVariants(memory, `${line(1, 'SAME')}\n{"id":"gid://shopify/ProductVariant/2"}`, 1_000),
    ).rejects.toThrow(/a line Waybill cannot read: \{"id"/);
    expect(memory.variants.get('SAME')?.seenAt).toBe(100);
  });

  it('reads a large file in slices, letting other work run between them, and applies it at once', async () => {
    const memory = new VariantMemory().of('https://demo-shop.myshopify.com');
    const file = Array.from({ length: 12_000 }, (_, i) => line(i + 1, `SKU-${i}`)).join('\n');
    let ranBetween = false;
    setImmediate(() => (ranBetween = memory.variants.size === 0));
    await confirmVariants(memory, file, 1_000);
    expect([ranBetween, memory.variants.size]).toEqual([true, 12_000]);
  });

  it('does not teach again a SKU a push forgot while the export ran: the push saw Shopify after the file was written', async () => {
    const memory = new VariantMemory().of('https://demo-shop.myshopify.com');
    memory.variants.set('RENAMED', variant(1, 100));
    memory.variants.set('KEPT', variant(2, 100));
    memory.variants.forgottenDuringExport = new Set();
    // A push read RENAMED's level and found its variant carries another SKU now.
    memory.variants.delete('RENAMED');
    await confirmVariants(memory, [line(1, 'RENAMED'), line(2, 'KEPT'), line(3, 'NEW')].join('\n'), 1_000);
    expect(Object.fromEntries(memory.variants)).toEqual({ KEPT: variant(2, 1_000), NEW: variant(3, 1_000) });
    // Once applied, forgetting is no longer noted.
    memory.variants.delete('KEPT');
    expect(memory.variants.forgottenDuringExport).toBeNull();
  });
});
