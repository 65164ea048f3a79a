import { money, type CurrencyCode, type Money } from './money.ts';

/**
 * What a supplier's feed row says of one offer, without where it sat in the file: the unit a feed is diffed in.
 * Fields the feed does not give are undefined and leave the offer's as they are.
 */
export interface FeedItem {
  supplierSku: string;
  gtin?: string | undefined;
  cost?: Money | undefined;
  stock?: number | undefined;
  leadDays?: number | undefined;
  shipFrom?: { country: string; region?: string | undefined } | undefined;
  packSize?: number | undefined;
  minQuantity?: number | undefined;
  map?: Money | undefined;
  discontinued?: boolean | undefined;
}

/**
 * The item as one line of text, its fields in a fixed order, '' for absent: what is kept of a row no SKU matched
 * yet, to apply when an operator maps it.
 */
export function encodeFeedItem(i: FeedItem): string {
  return `${i.gtin ?? ''}\t${i.cost?.amount ?? ''}\t${i.cost?.currency ?? ''}\t${i.stock ?? ''}\t${
    i.leadDays ?? ''
  }\t${i.shipFrom?.country ?? ''}\t${i.shipFrom?.region ?? ''}\t${i.packSize ?? ''}\t${i.minQuantity ?? ''}\t${
    i.map?.amount ?? ''
  }\t${i.map?.currency ?? ''}\t${i.discontinued === undefined ? '' : i.discontinued ? 1 : 0}`;
}

/** The item `encodeFeedItem` wrote (a row's values kept for when an operator maps its SKU later). */
export function decodeFeedItem(supplierSku: string, text: string): FeedItem {
  const [
    gtin,
    cost,
    costCurrency,
    stock,
    leadDays,
    country,
    region,
    packSize,
    minQuantity,
    map,
    mapCurrency,
    flag,
  ] = text.split('\t');
  const int = (v: string | undefined) => (v ? Number(v) : undefined);
  return {
    supplierSku,
    gtin: gtin || undefined,
    cost: cost ? money(Number(cost), costCurrency as CurrencyCode) : undefined,
    stock: int(stock),
    leadDays: int(leadDays),
    shipFrom: country ? { country, region: region || undefined } : undefined,
    packSize: int(packSize),
    minQuantity: int(minQuantity),
    map: map ? money(Number(map), mapCurrency as CurrencyCode) : undefined,
    discontinued: flag ? flag === '1' : undefined,
  };
}

/**
 * A 53-bit hash of the item's fields (two FNV-1a lanes over each field in a fixed order, absent fields marked), a
 * safe integer both databases keep as bigint: the next feed's row is compared with the digest kept of it, so the
 * last feed's rows are never read back. Made from the fields themselves, no text built: a feed has a million rows.
 * Two different items share a digest with a chance of about one in 10^15 per row, far below a supplier's own
 * typing errors.
 */
export function feedItemDigest(i: FeedItem): number {
  lanes.a = 0x811c9dc5;
  lanes.b = 0x050c5d1f;
  text(i.gtin);
  int(i.cost?.amount);
  text(i.cost?.currency);
  int(i.stock);
  int(i.leadDays);
  text(i.shipFrom?.country);
  text(i.shipFrom?.region);
  int(i.packSize);
  int(i.minQuantity);
  int(i.map?.amount);
  text(i.map?.currency);
  int(i.discontinued === undefined ? undefined : i.discontinued ? 1 : 0);
  return (lanes.a >>> 0) * 0x200000 + ((lanes.b >>> 0) & 0x1fffff);
}

const lanes = { a: 0, b: 0 };

function mix(c: number): void {
  lanes.a = Math.imul(lanes.a ^ c, 0x01000193);
  lanes.b = Math.imul(lanes.b ^ c, 0x01000193) ^ (lanes.a >>> 15);
}

/** A field's text, then a separator no text holds: ("ab", "") and ("a", "b") differ. */
function text(value: string | undefined): void {
  if (value === undefined) mix(0x1_0000);
  else for (let k = 0; k < value.length; k++) mix(value.charCodeAt(k));
  mix(0x1_0001);
}

/** A whole number (a safe integer: money in minor units, counts) as its two 32-bit halves; absent its own mark. */
function int(value: number | undefined): void {
  if (value === undefined) mix(0x1_0002);
  else {
    mix(value >>> 0);
    mix(Math.floor(value / 0x1_0000_0000) >>> 0);
  }
  mix(0x1_0003);
}

/** When a feed is held for an operator, in percent (see app/feed-settings.ts). */
export interface QuarantineThresholds {
  errorPercent: number;
  stockDropPercent: number;
  skuDropPercent: number;
}

/** What a feed would do, for the quarantine check: rows read and failed, stock and SKUs before and after. */
export interface FeedEffect {
  rows: number;
  failed: number;
  /** The total stock of the supplier's last accepted feed, and what it would be with this one applied. */
  stockBefore: number;
  stockAfter: number;
  /** The SKUs the last accepted feed listed, and those this one lists (full feeds only; a delta lists changes). */
  skusBefore: number;
  skusAfter: number | undefined;
}

/**
 * Why a feed looks broken, one reason per threshold passed; empty when it may apply. A first feed has nothing to
 * fall from, so only its error share counts.
 */
export function quarantineReasons(effect: FeedEffect, limits: QuarantineThresholds): string[] {
  const reasons: string[] = [];
  const percent = (part: number, whole: number) => (whole === 0 ? 0 : (part / whole) * 100);
  const shown = (n: number) => `${Math.round(n * 10) / 10} %`;
  const errorShare = percent(effect.failed, effect.rows);
  if (effect.failed > 0 && errorShare >= limits.errorPercent)
    reasons.push(
      `${effect.failed} of ${effect.rows} rows failed (${shown(errorShare)}; the limit is ${limits.errorPercent} %)`,
    );
  const stockDrop = percent(effect.stockBefore - effect.stockAfter, effect.stockBefore);
  if (effect.stockAfter < effect.stockBefore && stockDrop >= limits.stockDropPercent)
    reasons.push(
      `total stock would fall from ${effect.stockBefore} to ${effect.stockAfter} (${shown(stockDrop)}; the limit is ${limits.stockDropPercent} %)`,
    );
  if (effect.skusAfter !== undefined && effect.skusAfter < effect.skusBefore) {
    const skuDrop = percent(effect.skusBefore - effect.skusAfter, effect.skusBefore);
    if (skuDrop >= limits.skuDropPercent)
      reasons.push(
        `the feed lists ${effect.skusAfter} SKUs where the last listed ${effect.skusBefore} (${shown(skuDrop)} fewer; the limit is ${limits.skuDropPercent} %)`,
      );
  }
  return reasons;
}
