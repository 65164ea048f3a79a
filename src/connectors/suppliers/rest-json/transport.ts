import { postSigned } from '../../shared/signed-http.ts';
import type {
  CancelAnswer,
  PurchaseOrderCancelMessage,
  PurchaseOrderMessage,
} from '../supplier-transport.ts';
import type { RestJsonConfig, RestJsonSecrets } from './credentials.ts';
import { toCancelWire, toPing, toWire } from './map.ts';

/** The only place this adapter speaks HTTP. */
export async function postPurchaseOrder(
  config: RestJsonConfig,
  secrets: RestJsonSecrets,
  po: PurchaseOrderMessage,
  options: { signal: AbortSignal; now: Date },
): Promise<void> {
  await postSigned({
    url: config.url,
    body: toWire(po),
    secret: secrets.signingSecret,
    idempotencyKey: po.poNumber,
    timeoutMs: config.timeoutMs,
    signal: options.signal,
    now: options.now,
  });
}

/**
 * Withdraws a PO at the same address, signed the same way (docs/wire-formats.md, "Cancel"). postSigned lets a 409
 * through for every caller, since for a PO it means "I have it already"; here the supplier says with it that it is
 * too late (the PO shipped, or cannot be stopped). Every other answer fails as for the PO.
 */
export async function postCancel(
  config: RestJsonConfig,
  secrets: RestJsonSecrets,
  message: PurchaseOrderCancelMessage,
  options: { signal: AbortSignal; now: Date },
): Promise<CancelAnswer> {
  const { status } = await postSigned({
    url: config.url,
    body: toCancelWire(message),
    secret: secrets.signingSecret,
    idempotencyKey: `cancel:${message.poNumber}`,
    timeoutMs: config.timeoutMs,
    signal: options.signal,
    now: options.now,
  });
  return status === 409 ? 'too_late' : 'cancelled';
}

/** The connection test's ping to the same address (docs/wire-formats.md): the supplier checks the signature, stores nothing. */
export async function postPing(
  config: RestJsonConfig,
  secrets: RestJsonSecrets,
  options: { signal: AbortSignal; now: Date },
): Promise<void> {
  const ping = toPing(options.now);
  await postSigned({
    url: config.url,
    body: ping,
    secret: secrets.signingSecret,
    idempotencyKey: ping.id,
    timeoutMs: config.timeoutMs,
    signal: options.signal,
    now: options.now,
  });
}
