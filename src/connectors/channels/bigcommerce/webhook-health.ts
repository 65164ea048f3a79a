import type { WebhookHealth } from '../sales-channel.ts';
import { storeHooks, type HookView } from './api.ts';
import type { ApiCall } from './transport.ts';
import { ORDER_HOOK_PATH, WEBHOOK_TOKEN_HEADER } from './webhook.ts';

/** The order events Waybill needs hooks for; `store/order/*` covers both. */
export const NEEDED_SCOPES = ['store/order/created', 'store/order/updated'] as const;
const WILDCARD = 'store/order/*';

const RANK: Record<WebhookHealth['status'], number> = { active: 3, paused: 2, disabled: 1, missing: 0 };

/**
 * The store's hooks that call Waybill (GET /v3/hooks: those of this token's API account), one answer per scope
 * Waybill needs: active; disabled, when BigCommerce deactivated it (`is_active` false, after 48 hours of failed
 * callbacks) or it lacks the token header (its callbacks are refused); or missing.
 */
export async function webhookHealth(call: ApiCall, deliveryUrl: string): Promise<WebhookHealth[]> {
  const target = comparableUrl(`${deliveryUrl.replace(/\/+$/, '')}/${ORDER_HOOK_PATH}`);
  const ours = (await storeHooks(call)).filter((hook) => comparableUrl(hook.destination) === target);
  return NEEDED_SCOPES.map((topic) => {
    const candidates = ours
      .filter((hook) => hook.scope === topic || hook.scope === WILDCARD)
      .map((hook) => health(topic, hook));
    return (
      candidates.sort((a, b) => RANK[b.status] - RANK[a.status])[0] ?? { topic, status: 'missing', id: null }
    );
  });
}

function health(topic: string, hook: HookView): WebhookHealth {
  const signed = Object.keys(hook.headers ?? {}).some((name) => name.toLowerCase() === WEBHOOK_TOKEN_HEADER);
  return { topic, status: hook.is_active && signed ? 'active' : 'disabled', id: String(hook.id) };
}

/** The same address however it was typed: host case, a default port, a trailing slash. */
function comparableUrl(url: string): string {
  try {
    return new URL(url.trim()).href.replace(/\/+$/, '');
  } catch {
    return url.trim();
  }
}
