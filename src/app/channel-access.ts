import type { SalesChannel } from '../connectors/channels/sales-channel.ts';
import { findChannel, type ChannelRecord } from '../store/partners.repo.ts';
import type { AppContext } from './context.ts';
import { noteServedApiVersion } from './channel-api-version.ts';

/** Where a channel of this kind posts to Waybill at its public address; the channel-side prefix of every callback. */
export function channelWebhookUrl(publicUrl: string, kind: string, channelId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/webhooks/${kind}/${channelId}`;
}

/**
 * A channel's outbound adapter, built from its stored settings and decrypted secrets; null when the channel is gone
 * or its kind unknown. Built afresh for each job: a setup change applies to the next job without a restart.
 */
export async function openSalesChannel(
  ctx: AppContext,
  channelId: string,
): Promise<{ channel: ChannelRecord; sales: SalesChannel } | null> {
  const channel = await findChannel(ctx.store.db, channelId);
  const sales = channel && openChannel(ctx, channel);
  return channel && sales ? { channel, sales } : null;
}

/** The outbound adapter of a channel already read; null when its kind is unknown. */
export function openChannel(ctx: AppContext, channel: ChannelRecord): SalesChannel | null {
  const kind = ctx.channels.get(channel.kind);
  if (!kind) return null;
  const secrets = channel.sealedSecrets ? ctx.secrets.open(channel.sealedSecrets) : {};
  return kind.open(channel.id, channel.config, secrets, {
    servedVersion: (served) =>
      void noteServedApiVersion(ctx, channel.id, kind, served).catch((error: unknown) =>
        ctx.log.error('could not keep the API version note', { channel: channel.id, error: String(error) }),
      ),
  });
}
