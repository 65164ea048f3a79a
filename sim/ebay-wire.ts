/**
 * The simulated eBay's wire details: an order as getOrders and getOrder serve it, getOrders' filter, and eBay's error
 * body ({ errors: [{ errorId, domain, category, message }] }). Demo and test use only.
 */
import type { EbaySimOrder } from './ebay-orders.ts';

/**
 * An order as getOrders or getOrder serves it. Without fieldGroups=TAX_BREAKDOWN the taxes eBay collects and remits
 * are not in the totals (as eBay's Order type says); getOrders leaves cancelRequests empty (getOrder has them).
 */
export function served(order: EbaySimOrder, breakdown: boolean, withCancelRequests: boolean): unknown {
  const copy = structuredClone(order);
  if (!withCancelRequests) copy.cancelStatus.cancelRequests = [];
  if (breakdown) return copy;
  const digits = copy.pricingSummary.total!.value.split('.')[1]?.length ?? 0;
  const minor = (v: string) => Math.round(Number(v.replace('.', '')));
  const format = (units: number) => {
    const text = String(Math.abs(units)).padStart(digits + 1, '0');
    return `${units < 0 ? '-' : ''}${digits ? `${text.slice(0, -digits)}.${text.slice(-digits)}` : text}`;
  };
  let collected = 0;
  for (const line of copy.lineItems) {
    const byEbay = (line.ebayCollectAndRemitTaxes ?? []).reduce((n, t) => n + minor(t.amount.value), 0);
    collected += byEbay;
    line.total = { ...line.total, value: format(minor(line.total.value) - byEbay) };
    const types = new Set((line.ebayCollectAndRemitTaxes ?? []).map((t) => t.taxType));
    line.taxes = line.taxes.filter((t) => !types.has(t.taxType));
  }
  const summary = copy.pricingSummary;
  summary.total = { ...summary.total!, value: format(minor(summary.total!.value) - collected) };
  if (summary.tax) {
    const left = minor(summary.tax.value) - collected;
    if (left) summary.tax = { ...summary.tax, value: format(left) };
    else delete summary.tax;
  }
  return copy;
}

/** `lastmodifieddate:[from..to]` or `creationdate:[from..]`, comma-separated with others, as getOrders takes it. */
export function parseFilter(
  filter: string | null,
  now: number,
):
  | { field: 'creationdate' | 'lastmodifieddate'; from: number; to: number }
  | { errorId: number; message: string } {
  const ninetyDays = 90 * 24 * 60 * 60_000;
  if (!filter) return { field: 'creationdate', from: now - ninetyDays, to: Number.MAX_SAFE_INTEGER };
  const criteria = new Map<string, string>();
  for (const part of filter.split(/,(?![^[{]*[\]}])/)) {
    const at = part.indexOf(':');
    const name = part.slice(0, at).trim().toLowerCase();
    if (!['creationdate', 'lastmodifieddate', 'orderfulfillmentstatus'].includes(name))
      return { errorId: 30700, message: `Invalid filter name: ${name}` };
    criteria.set(name, part.slice(at + 1).trim());
  }
  const field = criteria.has('creationdate')
    ? 'creationdate'
    : criteria.has('lastmodifieddate')
      ? 'lastmodifieddate'
      : null;
  if (!field) return { field: 'creationdate', from: now - ninetyDays, to: Number.MAX_SAFE_INTEGER };
  const match = /^\[(.*?)\.\.(.*)\]$/.exec(criteria.get(field)!);
  if (!match)
    return { errorId: 30800, message: `Invalid filter value ${criteria.get(field)} for filter ${field}` };
  const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
  if (!match[1]) return { errorId: 30820, message: 'Start date is missing' };
  if (!iso.test(match[1]) || (match[2] && !iso.test(match[2])))
    return { errorId: 30810, message: 'Invalid date format' };
  const from = Date.parse(match[1]);
  const to = match[2] ? Date.parse(match[2]) : Number.MAX_SAFE_INTEGER;
  if (from > to) return { errorId: 30840, message: 'Start date should be before end date' };
  return { field, from, to };
}

export function ebayErrors(
  errorId: number,
  message: string,
  longMessage?: string,
  domain = 'API_FULFILLMENT',
) {
  return {
    errors: [
      {
        errorId,
        domain,
        category: errorId === 30500 || errorId === 25001 ? 'APPLICATION' : 'REQUEST',
        message,
        ...(longMessage ? { longMessage } : {}),
      },
    ],
  };
}

export function inventoryError(errorId: number, message: string) {
  return { errorId, domain: 'API_INVENTORY', category: 'REQUEST', message };
}
