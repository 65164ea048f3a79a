import { postSigned } from '../../shared/signed-http.ts';
import type { PurchaseOrderMessage } from '../supplier-transport.ts';
import type { RestJsonConfig, RestJsonSecrets } from './credentials.ts';
import { toPing, toWire } from './map.ts';

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
