import type { SupplierTransport } from '../connectors/suppliers/supplier-transport.ts';
import { PermanentError } from '../domain/permanent-error.ts';
import type { SupplierRecord } from '../store/partners.repo.ts';
import type { AppContext } from './context.ts';
import { transportServices } from './transport-services.ts';

/** Transports kept built at once, per process: more suppliers than this are built again now and then. */
const OPENED_LIMIT = 256;

/**
 * A supplier's transport, built from its stored settings and opened secrets. The supplier's row is read for every
 * send, so a setup change holds from the next send on, in every process; what is not repeated is the work on it:
 * the secrets are opened (AES-GCM) and the settings validated once per stored value. A setup change seals the
 * secrets anew (a fresh IV), so a changed secret is never served stale.
 */
export class SupplierTransports {
  readonly #opened = new Map<string, SupplierTransport>();

  constructor(private readonly ctx: AppContext) {}

  open(supplier: SupplierRecord): SupplierTransport {
    const adapter = this.ctx.transports.get(supplier.transportKind);
    if (!adapter)
      throw new PermanentError(`supplier ${supplier.id} uses unknown transport ${supplier.transportKind}`);
    const key = `${supplier.id}\n${supplier.currency}\n${supplier.transportKind}\n${JSON.stringify(supplier.transportConfig)}\n${supplier.sealedSecrets ?? ''}`;
    let transport = this.#opened.get(key);
    if (!transport) {
      transport = adapter.open(
        { id: supplier.id, currency: supplier.currency },
        supplier.transportConfig,
        supplier.sealedSecrets ? this.ctx.secrets.open(supplier.sealedSecrets) : {},
        transportServices(this.ctx, supplier.id),
      );
      if (this.#opened.size >= OPENED_LIMIT) this.#opened.clear();
      this.#opened.set(key, transport);
    }
    return transport;
  }
}
