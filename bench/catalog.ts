/** The retailer the bench sets up (docs/setup-file.md) and the orders it sends (docs/wire-formats.md). */
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { seededRandom } from '../sim/shared.ts';

export const CHANNEL_ID = 'storefront';
const PRODUCT_COUNT = 200;
/**
 * The default supplier endpoint: nothing listens there, which suits the scenarios whose hub runs without workers (no PO
 * is ever sent). The pipeline scenario passes its own receiver's URL.
 */
export const DEAD_SUPPLIER_URL = 'http://127.0.0.1:9/po';

export interface Product {
  sku: string;
  unitPrice: number;
}

export const PRODUCTS: readonly Product[] = Array.from({ length: PRODUCT_COUNT }, (_, i) => ({
  sku: `BENCH-${String(i).padStart(3, '0')}`,
  unitPrice: 500 + ((i * 37) % 5000),
}));

/**
 * Two suppliers; a third of the products only from each, a third from both (priority decides), so an order with
 * several lines becomes one or two purchase orders.
 */
function offersFor(index: number, sku: string) {
  const offer = (supplier: string, priority: number) => ({
    supplier,
    supplierSku: `${supplier.toUpperCase()}-${sku}`,
    cost: { amount: 300 + index, currency: 'USD' },
    priority,
  });
  if (index % 3 === 0) return [offer('alpha', 1)];
  if (index % 3 === 1) return [offer('beta', 1)];
  return [offer('alpha', 1), offer('beta', 2)];
}

function supplier(id: string, url: string) {
  return {
    id,
    name: `Supplier ${id}`,
    currency: 'USD',
    apiToken: randomBytes(24).toString('hex'),
    transport: { kind: 'rest-json', url, signingSecret: randomBytes(16).toString('hex') },
  };
}

/** A channel of the setup document (docs/setup-file.md), beside the storefront every scenario has. */
export type ChannelSpec = Record<string, string>;

export function setupYaml(
  extraChannels: readonly ChannelSpec[] = [],
  supplierUrl = DEAD_SUPPLIER_URL,
): string {
  return stringify({
    apiVersion: 'waybill/v1',
    retailer: { name: 'Bench Retailer' },
    channels: [
      { id: CHANNEL_ID, kind: 'storefront', name: 'Bench storefront', currency: 'USD' },
      ...extraChannels,
    ],
    suppliers: [supplier('alpha', supplierUrl), supplier('beta', supplierUrl)],
    products: PRODUCTS.map((p, i) => ({ sku: p.sku, name: `Product ${i}`, offers: offersFor(i, p.sku) })),
  });
}

/**
 * Order bodies with 1–3 distinct lines and an externalId no earlier request (or earlier run) used, so every request
 * is a new order and a 200 (duplicate) would show up as a counting error.
 */
export function orderFactory(seed = 1): () => string {
  const random = seededRandom(seed);
  const runId = randomBytes(4).toString('hex');
  let n = 0;
  return () => {
    n += 1;
    const lineCount = 1 + Math.floor(random() * 3);
    const picked = new Set<Product>();
    while (picked.size < lineCount) picked.add(PRODUCTS[Math.floor(random() * PRODUCTS.length)]!);
    return JSON.stringify({
      externalId: `bench-${runId}-${n}`,
      currency: 'USD',
      customer: { email: `buyer${n}@example.com`, name: 'Ann Smith' },
      shippingAddress: {
        name: 'Ann Smith',
        line1: '1 Main St',
        city: 'Springfield',
        region: 'IL',
        postalCode: '62701',
        country: 'US',
      },
      lines: [...picked].map((p) => ({
        sku: p.sku,
        quantity: 1 + Math.floor(random() * 3),
        unitPrice: p.unitPrice,
      })),
    });
  };
}
