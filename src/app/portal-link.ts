import { PermanentError } from '../domain/permanent-error.ts';
import { hashToken, newToken } from '../infra/tokens.ts';
import { getSetting } from '../store/partners.repo.ts';
import { findLinkUsers, findLivePortalLink, insertPortalLink } from '../store/portal-links.repo.ts';
import type { Db } from '../store/schema.ts';
import { findSupplierRow } from '../store/setup.repo.ts';
import { findUserById, insertUser } from '../store/users.repo.ts';
import type { AppContext } from './context.ts';
import { SignInRefused, startSession, SUPPLIER_ROLE, type SignedIn } from './users.ts';

// A portal link is the email transport's way into the portal: whoever reads the PO email opens it, signed in as the
// supplier, on that PO's page, with no account made beforehand. Sessions need a user, so each supplier gets one
// "link user" (a supplier's user with no password, made with its first link, listed on the Users page as
// portal-link+<supplier>@waybill.invalid: the .invalid domain can receive no mail). Disabling it revokes every link
// issued so far and ends their sessions; the next link makes a new link user.

/** How long a link works: an email read after a fortnight's holiday still opens the PO. */
export const PORTAL_LINK_MS = 14 * 24 * 60 * 60_000;

const LINK_USER_DOMAIN = 'waybill.invalid';
const linkUserPrefix = (supplierId: string) => `portal-link+${supplierId}`;

/** True for a supplier's link user (its sessions come from portal links; it has no password of its own). */
export function isPortalLinkUser(email: string): boolean {
  return email.startsWith('portal-link+') && email.endsWith(`@${LINK_USER_DOMAIN}`);
}

/** The address this process's HTTP server listens on, per hub: where links point when no public URL is set. */
const listening = new WeakMap<AppContext, string>();

/** Called by the HTTP server once it listens (src/http/routes/portal-link.ts). */
export function rememberListenerUrl(ctx: AppContext, url: string): void {
  listening.set(ctx, url);
}

/**
 * The hub's address as suppliers reach it: the setting `hub.publicUrl` (the setup document's `publicUrl`), else the
 * address this process listens on. A worker that serves no HTTP has neither: retrying cannot help until the
 * setting is made.
 */
export async function hubPublicUrl(ctx: AppContext): Promise<string> {
  const url = (await getSetting(ctx.store.db, 'hub.publicUrl')) ?? listening.get(ctx);
  if (!url)
    throw new PermanentError(
      'hub.publicUrl: not set, and this process serves no HTTP a link could point to; set publicUrl in the setup document',
    );
  return url.replace(/\/+$/, '');
}

/**
 * A link that opens one PO in the supplier portal, signed in as its supplier, for PORTAL_LINK_MS. Only the hash of
 * its token is kept; the token rides in the URL's fragment, which browsers never send to a server.
 *
 * @example
 * await issuePortalLink(ctx, 'acme', 'PO-1'); // 'https://hub.example/portal/link#token=wbp_…'
 */
export async function issuePortalLink(
  ctx: AppContext,
  supplierId: string,
  poNumber: string,
): Promise<string> {
  const base = await hubPublicUrl(ctx);
  const now = ctx.clock.now().getTime();
  const token = newToken('wbp');
  await ctx.store.transact(async (tx) => {
    const userId = await linkUserOf(ctx, tx, supplierId, now);
    await insertPortalLink(tx, {
      tokenHash: hashToken(token),
      supplierId,
      poNumber,
      userId,
      createdAt: now,
      expiresAt: now + PORTAL_LINK_MS,
    });
  });
  return `${base}/portal/link#token=${token}`;
}

/** The supplier's live link user, made when it has none (its first link, or the last one was disabled). */
async function linkUserOf(ctx: AppContext, tx: Db, supplierId: string, now: number): Promise<string> {
  const prefix = linkUserPrefix(supplierId);
  const found = await findLinkUsers(tx, supplierId, prefix);
  if (found.live) return found.live.id;
  if (!(await findSupplierRow(tx, supplierId)))
    throw new PermanentError(`supplierId: no supplier ${supplierId} to link to`);
  const id = ctx.ids.next('usr');
  const email = `${prefix}${found.count ? `.${found.count + 1}` : ''}@${LINK_USER_DOMAIN}`;
  if (await insertUser(tx, { id, email, role: SUPPLIER_ROLE, supplierId, createdAt: now })) return id;
  // Another process made it at the same moment: use theirs.
  const raced = await findLinkUsers(tx, supplierId, prefix);
  if (!raced.live) throw new Error(`the link user ${email} could not be made`);
  return raced.live.id;
}

/**
 * Signs in with a portal link's token: a session of the supplier's link user (the same cookie and CSRF token as a
 * password's), and the PO the link opens. Unknown, expired and revoked links are refused alike. Nothing is counted
 * toward a lock: a 24-byte random token is not guessed by trying.
 */
export async function signInWithPortalLink(
  ctx: AppContext,
  token: string,
): Promise<SignedIn & { poNumber: string }> {
  const now = ctx.clock.now().getTime();
  const link = await findLivePortalLink(ctx.store.db, hashToken(token), now);
  const user = link && (await findUserById(ctx.store.db, link.userId));
  if (!link || !user || user.disabledAt !== null || user.supplierId !== link.supplierId)
    throw new SignInRefused(
      'token: the portal link is unknown or expired; ask the retailer to send the purchase order again',
    );
  return { ...(await startSession(ctx, user, now)), poNumber: link.poNumber };
}
