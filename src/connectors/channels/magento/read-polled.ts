import type { ZodError } from 'zod';
import { numberToMinorUnits } from '../../../domain/decimal.ts';
import type { ChannelId } from '../../../domain/ids.ts';
import { isCurrencyCode } from '../../../domain/money.ts';
import type { OrderMessage, OrderPage } from '../sales-channel.ts';
import { MAGENTO_AMOUNTS } from './decimal.ts';
import { fromMagentoOrder } from './map.ts';
import { magentoOrder, type MagentoOrder } from './rest.ts';

export type Refused = NonNullable<OrderPage['refused']>[number];

/**
 * One order of a GET /V1/orders page: the order as Waybill takes it in, or, when it does not read as Magento
 * documents it (a field missing or of another type, an amount with more digits than Magento keeps exactly, a
 * currency Waybill does not know), why, naming the field: the poll passes it over and carries on with the others.
 */
export function readPolledOrder(
  channelId: ChannelId,
  raw: Record<string, unknown>,
  options: { payLaterMethods?: readonly string[] | undefined },
): { order: MagentoOrder; message: OrderMessage } | { refused: Refused } {
  const externalId =
    typeof raw.entity_id === 'number' ? String(raw.entity_id) : `(entity_id ${String(raw.entity_id)})`;
  const parsed = magentoOrder.safeParse(raw);
  if (!parsed.success) return { refused: { externalId, reason: issueOf(parsed.error) } };
  try {
    return { order: parsed.data, message: fromMagentoOrder(channelId, parsed.data, options) };
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    const code = parsed.data.order_currency_code;
    const where = isCurrencyCode(code) ? unreadableAmountAt(parsed.data, code) : 'order_currency_code';
    return { refused: { externalId, reason: where ? `${where}: ${error.message}` : error.message } };
  }
}

export function issueOf(error: ZodError): string {
  const issue = error.issues[0];
  return `${issue?.path.length ? `${issue.path.join('.')}: ` : ''}${issue?.message ?? 'unreadable'}`;
}

/**
 * The path of the first number in what the schema kept of an order (ids and quantities read as amounts too, which
 * they always can) that is not an amount Magento keeps exactly: the field a RangeError of ./map.ts was about, since
 * the shared parser names the figure, not where it stood.
 */
export function unreadableAmountAt(
  value: unknown,
  code: string,
  path: readonly string[] = [],
): string | null {
  if (typeof value === 'number') {
    try {
      numberToMinorUnits(value, code, MAGENTO_AMOUNTS);
      return null;
    } catch {
      return path.join('.');
    }
  }
  if (typeof value !== 'object' || value === null) return null;
  for (const [key, child] of Object.entries(value)) {
    const found = unreadableAmountAt(child, code, [...path, key]);
    if (found !== null) return found;
  }
  return null;
}
