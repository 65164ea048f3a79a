import type { TransportServices } from '../connectors/suppliers/supplier-transport.ts';
import { allocateControlNumber } from '../store/supplier-exchanges.repo.ts';
import type { AppContext } from './context.ts';
import { issuePortalLink } from './portal-link.ts';

/** What Waybill keeps for one supplier's transport (its control numbers, its portal links), from its database. */
export function transportServices(ctx: AppContext, supplierId: string): TransportServices {
  return {
    controlNumber: (subject) =>
      ctx.store.transact((tx) =>
        allocateControlNumber(tx, supplierId, subject, ctx.clock.now().getTime(), ctx.store.caps.rowLocks),
      ),
    portalLink: (poNumber) => issuePortalLink(ctx, supplierId, poNumber),
  };
}
