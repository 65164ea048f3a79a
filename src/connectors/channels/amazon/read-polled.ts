import type { ZodError } from 'zod';
import type { ChannelId } from '../../../domain/ids.ts';
import { isCurrencyCode } from '../../../domain/money.ts';
import type { OrderMessage, OrderPage } from '../sales-channel.ts';
import { fromAmazonOrder } from './map.ts';
import { amazonOrder } from './wire.ts';

type Refused = NonNullable<OrderPage['refused']>[number];

/**
 * One order of a searchOrders page: the order as Waybill takes it in (null: nothing in it to take, ./map.ts), or,
 * when it does not read as the Orders API v2026-01-01 model describes it (a field missing or of another type, an
 * amount below the currency's minor unit, amounts in two currencies, a currency Waybill does not know), why, naming
 * the field: the poll passes it over and carries on with the others. `index` names an order whose id is missing.
 */
export function readPolledOrder(
  channelId: ChannelId,
  raw: unknown,
  index: number,
): { order: OrderMessage | null } | { refused: Refused } {
  const id = typeof raw === 'object' && raw !== null ? (raw as { orderId?: unknown }).orderId : undefined;
  const externalId = typeof id === 'string' && id !== '' ? id : `(no orderId, #${index + 1} on the page)`;
  const parsed = amazonOrder.safeParse(raw);
  if (!parsed.success) return { refused: { externalId, reason: issueOf(parsed.error) } };
  try {
    return { order: fromAmazonOrder(channelId, parsed.data) };
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    // ./map.ts names the field after the order ("order 111-… orderItems[0]…"): the report names the order itself.
    const reason = error.message.replace(`order ${parsed.data.orderId} `, '');
    // The currency check (domain/money.ts) names the code, not where it stood.
    const where = reason.startsWith('not an ISO 4217') ? unknownCurrencyAt(parsed.data) : null;
    return { refused: { externalId, reason: where ? `${where}: ${reason}` : reason } };
  }
}

/** Zod's first issue with its path as Amazon's own documents write one: `orderItems[0].product.sellerSku`. */
function issueOf(error: ZodError): string {
  const issue = error.issues[0];
  const path = (issue?.path ?? [])
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i ? '.' : ''}${String(key)}`))
    .join('');
  return `${path ? `${path}: ` : ''}${issue?.message ?? 'unreadable'}`;
}

/** The first `currencyCode` in what the schema kept of the order that is not a currency Waybill knows. */
function unknownCurrencyAt(value: unknown, path = ''): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const code = (value as { currencyCode?: unknown }).currencyCode;
  if (typeof code === 'string' && !isCurrencyCode(code)) return `${path}.currencyCode`.replace(/^\./, '');
  for (const [key, child] of Object.entries(value)) {
    const found = unknownCurrencyAt(child, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`);
    if (found !== null) return found;
  }
  return null;
}
