import type { ConnectionTestResult } from '../connectors/shared/connection-test.ts';
import { findChannel, findSuppliers } from '../store/partners.repo.ts';
import type { AppContext } from './context.ts';
import { NotFoundError } from './errors.ts';
import { withoutUrlCredentials } from '../infra/url-credentials.ts';

/** A connection test that hangs is a finding too: it ends here, as unreachable. */
const TEST_TIMEOUT_MS = 15_000;

/** What a connection test found, and when. */
export type ConnectionCheck = ConnectionTestResult & { checkedAt: string };

/**
 * Runs a channel's connection test with its stored settings and secrets: one cheap real request to the platform
 * (Shopify `shop { name }`, WooCommerce's system status, a signed ping to a storefront), changing nothing.
 */
export async function testChannelConnection(ctx: AppContext, channelId: string): Promise<ConnectionCheck> {
  const channel = await findChannel(ctx.store.db, channelId);
  const kind = channel && ctx.channels.get(channel.kind);
  if (!channel || !kind) throw new NotFoundError(`channel ${channelId}`);
  return timed(ctx, (options) => kind.test(channel.config, opened(ctx, channel.sealedSecrets), options));
}

/** Runs a supplier transport's connection test (a signed ping to a REST endpoint, an SFTP login). */
export async function testSupplierConnection(ctx: AppContext, supplierId: string): Promise<ConnectionCheck> {
  const supplier = (await findSuppliers(ctx.store.db, [supplierId])).get(supplierId);
  const kind = supplier && ctx.transports.get(supplier.transportKind);
  if (!supplier || !kind) throw new NotFoundError(`supplier ${supplierId}`);
  return timed(ctx, (options) =>
    kind.test(supplier.transportConfig, opened(ctx, supplier.sealedSecrets), options),
  );
}

function opened(ctx: AppContext, sealed: string | null): Record<string, string> {
  return sealed ? ctx.secrets.open(sealed) : {};
}

async function timed(
  ctx: AppContext,
  test: (options: { signal: AbortSignal; now: Date }) => Promise<ConnectionTestResult>,
): Promise<ConnectionCheck> {
  const now = ctx.clock.now();
  let result: ConnectionTestResult;
  try {
    result = await test({ signal: AbortSignal.timeout(TEST_TIMEOUT_MS), now });
  } catch (error) {
    // Settings a newer Waybill no longer takes, and the like: the test could not even be made.
    result = {
      ok: false,
      reason: 'not_configured',
      detail: error instanceof Error ? error.message : String(error),
    };
  }
  // What answered, or what went wrong, names addresses: never with their credentials.
  return { ...result, detail: withoutUrlCredentials(result.detail), checkedAt: now.toISOString() };
}
