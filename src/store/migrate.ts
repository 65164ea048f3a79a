import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Db } from './schema.ts';
import * as spine from './migrations/0001-spine.ts';
import * as channelInbox from './migrations/0002-channel-inbox.ts';
import * as stock from './migrations/0003-stock.ts';
import * as channelStock from './migrations/0004-channel-stock.ts';
import * as channelLifecycle from './migrations/0005-channel-lifecycle.ts';
import * as laterPurchaseOrders from './migrations/0006-later-purchase-orders.ts';
import * as stockChangesInOrder from './migrations/0007-stock-changes-in-order.ts';
import * as orderCharges from './migrations/0008-order-charges.ts';
import * as acknowledgementTimers from './migrations/0009-acknowledgement-timers.ts';
import * as backorderedLines from './migrations/0010-backordered-lines.ts';
import * as channelSettings from './migrations/0011-channel-settings.ts';
import * as pausedSuppliers from './migrations/0012-paused-suppliers.ts';
import * as routing from './migrations/0013-routing.ts';
import * as shipmentDeadlines from './migrations/0014-shipment-deadlines.ts';
import * as reviewQueue from './migrations/0015-review-queue.ts';
import * as supplierFeeds from './migrations/0016-supplier-feeds.ts';
import * as pricing from './migrations/0017-pricing.ts';
import * as feedIndexChanges from './migrations/0018-feed-index-changes.ts';
import * as offersBySkuAndSupplier from './migrations/0019-offers-by-sku-and-supplier.ts';
import * as usersAndSessions from './migrations/0020-users-and-sessions.ts';
import * as orderSearch from './migrations/0021-order-search.ts';
import * as supplierExchanges from './migrations/0022-supplier-exchanges.ts';
import * as supplierCircuits from './migrations/0023-supplier-circuits.ts';
import * as portalLinks from './migrations/0024-portal-links.ts';
import * as channelStockReports from './migrations/0025-channel-stock-reports.ts';
import * as stockToldVersion from './migrations/0026-stock-told-version.ts';

/** Migrations are listed here, in order; both dialects run the same ones. */
const MIGRATIONS: Record<string, Migration> = {
  '0001-spine': spine,
  '0002-channel-inbox': channelInbox,
  '0003-stock': stock,
  '0004-channel-stock': channelStock,
  '0005-channel-lifecycle': channelLifecycle,
  '0006-later-purchase-orders': laterPurchaseOrders,
  '0007-stock-changes-in-order': stockChangesInOrder,
  '0008-order-charges': orderCharges,
  '0009-acknowledgement-timers': acknowledgementTimers,
  '0010-backordered-lines': backorderedLines,
  '0011-channel-settings': channelSettings,
  '0012-paused-suppliers': pausedSuppliers,
  '0013-routing': routing,
  '0014-shipment-deadlines': shipmentDeadlines,
  '0015-review-queue': reviewQueue,
  '0016-supplier-feeds': supplierFeeds,
  '0017-pricing': pricing,
  '0018-feed-index-changes': feedIndexChanges,
  '0019-offers-by-sku-and-supplier': offersBySkuAndSupplier,
  '0020-users-and-sessions': usersAndSessions,
  '0021-order-search': orderSearch,
  '0022-supplier-exchanges': supplierExchanges,
  '0023-supplier-circuits': supplierCircuits,
  '0024-portal-links': portalLinks,
  '0025-channel-stock-reports': channelStockReports,
  '0026-stock-told-version': stockToldVersion,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

function migrator(db: Db): Migrator {
  return new Migrator({ db, provider });
}

/** Applies every pending migration; safe to call from several processes at once (Kysely takes a lock). */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const { error, results } = await migrator(db).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** True when the database answers and every known migration has been applied. */
export async function isMigrated(db: Db): Promise<boolean> {
  const migrations = await migrator(db).getMigrations();
  return migrations.every((m) => m.executedAt !== undefined);
}
