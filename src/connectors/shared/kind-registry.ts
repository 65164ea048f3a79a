/**
 * The adapters of one interface that a Waybill knows, by their setup `kind` (channels, supplier transports). The
 * setup document, the webhook routes and the jobs are built from it, so adding an adapter is its folder and one
 * line in the list.
 *
 * @example
 * const channels = new KindRegistry('channel', [storefront, shopify, woocommerce]);
 * channels.get('shopify')?.open(id, config, secrets);
 */
export class KindRegistry<K extends { readonly kind: string }> {
  readonly #byKind = new Map<string, K>();

  constructor(
    private readonly what: string,
    kinds: readonly K[],
  ) {
    for (const kind of kinds) {
      if (this.#byKind.has(kind.kind)) throw new Error(`two ${what} kinds named ${kind.kind}`);
      this.#byKind.set(kind.kind, kind);
    }
  }

  get(kind: string): K | undefined {
    return this.#byKind.get(kind);
  }

  all(): readonly K[] {
    return [...this.#byKind.values()];
  }

  /** The same kinds with this one added, or put in place of the one of its name. */
  with(kind: K): KindRegistry<K> {
    return new KindRegistry(this.what, [...this.all().filter((k) => k.kind !== kind.kind), kind]);
  }
}
