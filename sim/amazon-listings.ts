/**
 * The simulated Amazon's listings, as far as stock goes: the merchant-fulfilled quantity (fulfillment_availability,
 * channel DEFAULT) of each SKU the seller lists, set by patchListingsItem (./contracts/amazon/listingsItems_2021-08-01.json)
 * or by a JSON_LISTINGS_FEED message, and heard by the bench's listeners whatever set it. A SKU the seller does not
 * list, or one a test makes Amazon refuse, is answered INVALID with an issue, as Amazon does. Demo and test use only.
 */
import { randomUUID } from 'node:crypto';

export class Listings {
  readonly #quantities = new Map<string, number>();
  readonly #refusals = new Map<string, string>();
  readonly #listeners = new Set<(sku: string, available: number) => void>();

  /** Lists every SKU with this quantity (100,000 in well under a second: a map write each). */
  seed(skus: readonly string[], available: number): void {
    for (const sku of skus) this.#quantities.set(sku, available);
  }

  onStock(listener: (sku: string, available: number) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  quantity(sku: string): number | undefined {
    return this.#quantities.get(sku);
  }

  /** From now on Amazon refuses this SKU's updates with `message` (a suppressed listing, a restricted product). */
  refuse(sku: string, message: string): void {
    this.#refusals.set(sku, message);
  }

  /** Sets the quantity; says why not (the SKU is not listed, or refused), or null when applied. */
  apply(sku: string, quantity: number): string | null {
    const refusal = this.#refusals.get(sku);
    if (refusal) return refusal;
    if (!this.#quantities.has(sku)) return `The SKU '${sku}' is not in the seller's catalog.`;
    this.#quantities.set(sku, quantity);
    for (const listener of this.#listeners) listener(sku, quantity);
    return null;
  }

  /** patchListingsItem's answer to a body the contract already checked. */
  patch(sku: string, body: { patches: { op: string; path: string; value?: Record<string, unknown>[] }[] }) {
    const issues: Record<string, unknown>[] = [];
    for (const patch of body.patches) {
      if (
        patch.path !== '/attributes/fulfillment_availability' ||
        (patch.op !== 'merge' && patch.op !== 'replace')
      ) {
        issues.push(
          issue(
            '90000900',
            `the simulator applies fulfillment_availability only, not ${patch.op} ${patch.path}`,
          ),
        );
        continue;
      }
      for (const value of patch.value ?? []) {
        const quantity = value.quantity;
        if (
          value.fulfillment_channel_code !== 'DEFAULT' ||
          typeof quantity !== 'number' ||
          !Number.isInteger(quantity) ||
          quantity < 0
        ) {
          issues.push(
            issue(
              '90000900',
              'fulfillment_availability needs fulfillment_channel_code DEFAULT and a whole quantity of 0 or more',
            ),
          );
          continue;
        }
        const refused = this.apply(sku, quantity);
        if (refused) issues.push(issue('4000001', refused));
      }
    }
    return {
      sku,
      status: issues.length ? 'INVALID' : 'ACCEPTED',
      submissionId: randomUUID().replaceAll('-', ''),
      issues,
    };
  }
}

function issue(code: string, message: string) {
  return { code, message, severity: 'ERROR', categories: [] };
}
