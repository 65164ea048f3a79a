import type { SalesChannel } from '../connectors/channels/sales-channel.ts';
import { findChannel, type ChannelRecord } from '../store/partners.repo.ts';
import type { AppContext } from './context.ts';

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
  const adapter = channel ? ctx.channels.get(channel.kind) : undefined;
  if (!channel || !adapter) return null;
  const sales = adapter.open(
    channel.id,
    channel.config,
    channel.sealedSecrets ? ctx.secrets.open(channel.sealedSecrets) : {},
  );
  return { channel, sales };
}
