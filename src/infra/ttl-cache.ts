/**
 * A few seconds of memory for a hot lookup: what it holds may be that much out of date (a revoked key works, a
 * changed setting holds, for up to `ttlMs`). Bounded: past 10,000 entries it starts again empty.
 *
 * @example
 * const roles = new TtlCache<Role | null>(5_000);
 * let role = roles.get(hash);
 * if (role === undefined) roles.set(hash, (role = await findApiKeyRole(db, key)));
 */
export class TtlCache<V> {
  readonly #entries = new Map<string, { value: V; expires: number }>();
  constructor(private readonly ttlMs: number) {}
  get(key: string): V | undefined {
    const hit = this.#entries.get(key);
    if (hit && hit.expires > Date.now()) return hit.value;
    this.#entries.delete(key);
    return undefined;
  }
  set(key: string, value: V): void {
    if (this.#entries.size > 10_000) this.#entries.clear();
    this.#entries.set(key, { value, expires: Date.now() + this.ttlMs });
  }
}
