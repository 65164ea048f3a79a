import { PullFailed, pullIfChanged } from '../infra/http-pull.ts';
import { openSftpFolder, SftpFolderError } from '../infra/sftp-folder.ts';
import { defineJob, jobKind } from '../jobs/job.ts';
import { recordFeedPulled, listSuppliersWithFeeds } from '../store/feed-imports.repo.ts';
import { findSupplierRow } from '../store/setup.repo.ts';
import type { Db } from '../store/schema.ts';
import type { AppContext } from './context.ts';
import { joinFeedSecrets, type FeedSettings } from './feed-settings.ts';
import { feedSettingsOf, importFeed, recordPullFailure } from './import-feed.ts';

/** Timeouts of a pull: a whole catalog may take a while to come, but a silent server must not hold the worker. */
const PULL_TIMEOUT_MS = 5 * 60_000;
const SFTP_READY_TIMEOUT_MS = 30_000;
const SFTP_OPERATION_TIMEOUT_MS = 2 * 60_000;
/** A pull that failed for a reason that may pass (a 503, a maintenance page, a dropped connection) is tried this soon. */
const RETRY_SOON_MS = 5 * 60_000;
const MAX_FEED_BYTES = 256 * 1024 * 1024;
/**
 * An SFTP file is taken once it has not changed for this long: a supplier still uploading it (under its final name,
 * as many do) would otherwise have a cut-off full feed read, and its missing rows zeroed.
 */
export const SFTP_SETTLE_MS = 60_000;

type Pull = NonNullable<FeedSettings['pull']>;

/**
 * Pulls one supplier's feed on its schedule: from an HTTP(S) URL, conditionally (an unchanged file, by ETag or
 * Last-Modified, is neither downloaded nor read again), or from an SFTP folder, each file taken once (imported,
 * then moved to the processed folder, oldest first). Each file goes through importFeed like an upload. A pull that
 * fails is in the supplier's feed history with the reason (an HTML page in place of the feed, a 404, a refused
 * login) and is tried again at the next turn, sooner when the reason may pass.
 */
export const pullFeedJob = {
  ...jobKind<{ supplierId: string }>('feed.pull', (p) => `feed.pull:${p.supplierId}`),
  bind: (ctx: AppContext) =>
    defineJob<{ supplierId: string }>({
      kind: pullFeedJob.kind,
      maxAttempts: 10,
      timeoutMs: PULL_TIMEOUT_MS + 60_000,
      backoff: { baseMs: 30_000, capMs: 30 * 60_000 },
      run: async ({ supplierId }) => {
        const supplier = await findSupplierRow(ctx.store.db, supplierId);
        const clear = feedSettingsOf(supplier?.feed_config ?? null);
        // A supplier gone, or no longer pulled: the recurring job ends.
        if (!supplier || !clear?.pull) return;
        const settings = joinFeedSecrets(
          clear,
          supplier.feed_secrets ? ctx.secrets.open(supplier.feed_secrets) : {},
        );
        const pull = settings.pull!;
        const everyMs = ('http' in pull ? pull.http.everyMinutes : pull.sftp.everyMinutes) * 60_000;
        const now = ctx.clock.now().getTime();
        try {
          if ('sftp' in pull) {
            const unsettled = await pullSftp(ctx, supplierId, pull, now);
            // A file still being written is looked at again once it may have settled, not at the next turn.
            return { rerunAt: new Date(now + (unsettled ? Math.min(SFTP_SETTLE_MS, everyMs) : everyMs)) };
          }
          const seen = await pullHttp(ctx, supplierId, pull, settings.mapping.format, {
            etag: supplier.feed_etag,
            lastModified: supplier.feed_last_modified,
          });
          return {
            rerunAt: new Date(now + everyMs),
            commit: async (tx: Db) => {
              if (seen) await recordFeedPulled(tx, supplierId, seen);
            },
          };
        } catch (error) {
          const failure = pullFailure(error);
          if (!failure) throw error;
          await recordPullFailure(ctx, supplierId, 'http' in pull ? 'http' : 'sftp', failure.reason);
          const wait = failure.soon ? Math.min(RETRY_SOON_MS, everyMs) : everyMs;
          // A server that said when to come back (Retry-After) is left alone until then.
          return { rerunAt: new Date(now + Math.max(wait, failure.notBeforeMs ?? 0)) };
        }
      },
    }),
};

/** The URL's file if it changed since the last pull, imported; what the server said of its version. */
async function pullHttp(
  ctx: AppContext,
  supplierId: string,
  pull: Extract<Pull, { http: unknown }>,
  format: FeedSettings['mapping']['format'],
  previous: { etag: string | null; lastModified: string | null },
): Promise<{ etag: string | null; lastModified: string | null } | undefined> {
  const pulled = await pullIfChanged(
    pull.http.url,
    { etag: previous.etag ?? undefined, lastModified: previous.lastModified ?? undefined },
    {
      timeoutMs: PULL_TIMEOUT_MS,
      maxBytes: MAX_FEED_BYTES,
      expect: format,
      headers: pull.http.authorization ? { authorization: pull.http.authorization } : {},
    },
  );
  if (!pulled.changed) return undefined;
  const report = await importFeed(ctx, {
    supplierId,
    source: 'http',
    fileName: new URL(pull.http.url).pathname.split('/').pop() || undefined,
    bytes: pulled.bytes,
  });
  // A file refused is not remembered as seen: the supplier's fix may keep its ETag (a CDN's), and is read again.
  if (report.status === 'refused') return undefined;
  return { etag: pulled.etag ?? null, lastModified: pulled.lastModified ?? null };
}

/** Every file in the folder, oldest first: imported, then moved to the processed folder. */
async function pullSftp(
  ctx: AppContext,
  supplierId: string,
  pull: Extract<Pull, { sftp: unknown }>,
  now: number,
): Promise<boolean> {
  const { sftp } = pull;
  const folder = await openSftpFolder({
    host: sftp.host,
    port: sftp.port,
    username: sftp.username,
    ...(sftp.password ? { password: sftp.password } : {}),
    ...(sftp.privateKey ? { privateKey: sftp.privateKey } : {}),
    ...(sftp.hostKeySha256 ? { hostKeySha256: sftp.hostKeySha256 } : {}),
    folder: sftp.folder,
    readyTimeoutMs: SFTP_READY_TIMEOUT_MS,
    operationTimeoutMs: SFTP_OPERATION_TIMEOUT_MS,
  });
  try {
    let unsettled = false;
    for (const file of await folder.list()) {
      if (file.modifiedAt.getTime() > now - SFTP_SETTLE_MS) {
        unsettled = true;
        continue;
      }
      const bytes = await folder.read(file.name);
      await importFeed(ctx, { supplierId, source: 'sftp', fileName: file.name, bytes });
      // Moved whatever came of it: an applied, quarantined (its file is kept with the import) or refused file is
      // taken. A crash before the move reads it again next time, and the diff finds nothing left to change.
      await folder.moveTo(file.name, sftp.processedFolder);
    }
    return unsettled;
  } finally {
    await folder.close();
  }
}

/** Why a pull failed, when it is the pull's own failure (not Waybill's): `soon` when it may pass by itself. */
function pullFailure(error: unknown): { reason: string; soon: boolean; notBeforeMs?: number } | undefined {
  if (error instanceof PullFailed)
    return {
      reason: error.reason,
      soon: error.retryable,
      ...(error.retryAfterMs === undefined ? {} : { notBeforeMs: error.retryAfterMs }),
    };
  if (error instanceof SftpFolderError)
    return {
      reason: error.message,
      soon: !['auth-failed', 'host-key-mismatch', 'not-found', 'invalid-name'].includes(error.code),
    };
  return undefined;
}

/** Makes sure every supplier whose feed is pulled has its recurring pull (one job each, by key). */
export async function ensureFeedPulls(ctx: AppContext, tx: Db): Promise<void> {
  const pulled = (await listSuppliersWithFeeds(tx)).filter((s) => feedSettingsOf(s.feed_config)?.pull);
  if (pulled.length)
    await ctx.queue.add(
      tx,
      pullFeedJob,
      pulled.map((s) => ({ supplierId: s.id })),
    );
}
