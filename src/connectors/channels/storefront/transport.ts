import { postSigned } from '../../shared/signed-http.ts';
import type { StorefrontConfig, StorefrontSecrets } from './credentials.ts';

/** The only place this adapter speaks HTTP. */
export async function postEvent(
  config: StorefrontConfig,
  secrets: StorefrontSecrets,
  event: { id: string },
  options: { signal: AbortSignal; now: Date },
): Promise<void> {
  if (!config.notifyUrl || !secrets.notifySecret) return;
  await postSigned({
    url: config.notifyUrl,
    body: event,
    secret: secrets.notifySecret,
    idempotencyKey: event.id,
    timeoutMs: config.timeoutMs,
    signal: options.signal,
    now: options.now,
  });
}
