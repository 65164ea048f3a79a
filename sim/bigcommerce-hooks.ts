/**
 * The hooks of the simulated BigCommerce store (sim/bigcommerce.ts) and their callbacks, as
 * docs/api-docs/getting-started/webhooks/about-webhooks.mdx and webhook-events.mdx in bigcommerce/dev-docs describe
 * them: a hook has a scope (`store/order/created`, or `store/order/*` for every order event), a destination and the
 * custom headers given when it was made, which BigCommerce sends with each callback (it signs nothing). A callback's
 * body is `{ created_at, store_id, producer, scope, hash, data }`, `data` the event's ids only and `hash` its SHA-1.
 * A callback not answered 2xx is tried again on BigCommerce's schedule (60 s, 180 s, … 86,400 s: eleven retries,
 * about 48 hours, scaled down here by `retryScale`), and after the last the hook is deactivated (`is_active` false).
 * Demo and test use only.
 */
import { postOnce } from './delivery.ts';
import { unboundedController } from './shared.ts';
import { callbackHash } from './bigcommerce-orders.ts';

/** BigCommerce's retry intervals, in seconds (about-webhooks.mdx, "Callback retry mechanism"). */
export const RETRY_SCHEDULE_S = [60, 180, 300, 600, 900, 1800, 3600, 7200, 21600, 50400, 86400] as const;
const ATTEMPT_TIMEOUT_MS = 10_000;

export interface SimHook {
  id: number;
  scope: string;
  destination: string;
  isActive: boolean;
  headers: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

/** One callback of one hook: its attempts' answers (0 when none came) and whether the hook was deactivated by it. */
export interface CallbackOutcome {
  hookId: number;
  scope: string;
  body: string;
  statuses: number[];
  delivered: boolean;
  deactivated: boolean;
}

export class HookDispatcher {
  readonly hooks = new Map<number, SimHook>();
  readonly outcomes: CallbackOutcome[] = [];
  #nextId = 1;
  readonly #pending = new Set<Promise<CallbackOutcome>>();
  readonly #closed = unboundedController();

  constructor(private readonly store: { hash: string; id: string; now: () => number; retryScale: number }) {}

  /** POST /v3/hooks, as the merchant's API account would make one. */
  create(hook: {
    scope: string;
    destination: string;
    headers?: Record<string, string>;
    isActive?: boolean;
  }): SimHook {
    const at = Math.floor(this.store.now() / 1000);
    const made = {
      id: this.#nextId++,
      scope: hook.scope,
      destination: hook.destination,
      isActive: hook.isActive ?? true,
      headers: { ...hook.headers },
      createdAt: at,
      updatedAt: at,
    };
    this.hooks.set(made.id, made);
    return made;
  }

  /** PUT /v3/hooks/{id} with is_active (the documented way back after a deactivation), or a new destination. */
  update(id: number, change: Partial<Pick<SimHook, 'isActive' | 'destination' | 'headers'>>): void {
    const hook = this.hooks.get(id);
    if (!hook) throw new Error(`no hook ${id}`);
    Object.assign(hook, change, { updatedAt: Math.floor(this.store.now() / 1000) });
  }

  /** The event to every active hook of its scope; resolves when each callback is delivered or given up. */
  fire(scope: string, data: Record<string, unknown>): Promise<CallbackOutcome[]> {
    const body = JSON.stringify({
      created_at: Math.floor(this.store.now() / 1000),
      store_id: this.store.id,
      producer: `stores/${this.store.hash}`,
      scope,
      hash: callbackHash(data),
      data,
    });
    const hooks = [...this.hooks.values()].filter((hook) => hook.isActive && covers(hook.scope, scope));
    return Promise.all(hooks.map((hook) => this.#track(this.#deliver(hook, scope, body))));
  }

  /** Every callback still being tried. */
  async settled(): Promise<void> {
    while (this.#pending.size) await Promise.all(this.#pending);
  }

  close(): void {
    this.#closed.abort();
  }

  #track(delivery: Promise<CallbackOutcome>): Promise<CallbackOutcome> {
    this.#pending.add(delivery);
    void delivery.finally(() => this.#pending.delete(delivery));
    return delivery;
  }

  async #deliver(hook: SimHook, scope: string, body: string): Promise<CallbackOutcome> {
    const outcome: CallbackOutcome = {
      hookId: hook.id,
      scope,
      body,
      statuses: [],
      delivered: false,
      deactivated: false,
    };
    this.outcomes.push(outcome);
    const request = {
      url: hook.destination,
      headers: { 'content-type': 'application/json', ...hook.headers },
      body: Buffer.from(body),
      timeoutMs: ATTEMPT_TIMEOUT_MS,
    };
    for (let attempt = 0; attempt <= RETRY_SCHEDULE_S.length; attempt++) {
      if (attempt > 0 && !(await this.#wait(RETRY_SCHEDULE_S[attempt - 1]! * 1000 * this.store.retryScale)))
        return outcome;
      const answer = await postOnce(request);
      outcome.statuses.push(answer.status);
      if (answer.status >= 200 && answer.status < 300) {
        outcome.delivered = true;
        return outcome;
      }
    }
    hook.isActive = false;
    outcome.deactivated = true;
    return outcome;
  }

  /** False when the store closed meanwhile. */
  async #wait(ms: number): Promise<boolean> {
    if (this.#closed.signal.aborted) return false;
    const { signal } = this.#closed;
    await new Promise<void>((resolve) => {
      const stop = () => (clearTimeout(timer), resolve());
      const timer = setTimeout(() => (signal.removeEventListener('abort', stop), resolve()), ms);
      signal.addEventListener('abort', stop, { once: true });
    });
    return !this.#closed.signal.aborted;
  }
}

/** `store/order/*` covers every scope under `store/order/`; any other scope only itself. */
function covers(hookScope: string, scope: string): boolean {
  return hookScope.endsWith('/*') ? scope.startsWith(hookScope.slice(0, -1)) : hookScope === scope;
}

/** A hook as GET /v3/hooks answers it (`webhook_Full`). */
export function hookResource(hook: SimHook, storeHash: string) {
  return {
    id: hook.id,
    client_id: 'waybill-sim-client',
    store_hash: storeHash,
    scope: hook.scope,
    destination: hook.destination,
    is_active: hook.isActive,
    headers: hook.headers,
    created_at: hook.createdAt,
    updated_at: hook.updatedAt,
  };
}
