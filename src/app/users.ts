import { randomBytes } from 'node:crypto';
import { hashToken, newToken } from '../infra/tokens.ts';
import { hashPassword, NO_PASSWORD, verifyPassword } from '../infra/passwords.ts';
import type { Db } from '../store/schema.ts';
import { findSupplierRow } from '../store/setup.repo.ts';
import {
  clearFailedSignIns,
  deleteExpiredSessionsOf,
  deleteOtherSessions,
  deleteSession,
  disableUser,
  findLiveSession,
  findUserByEmail,
  findUserById,
  insertSession,
  insertSignInLink,
  insertUser,
  listUsers,
  recordFailedSignIn,
  setPasswordHash,
  useSignInLink,
  type UserRow,
} from '../store/users.repo.ts';
import { ROLES, type Role } from './api-keys.ts';
import { isPortalLinkUser } from './portal-link.ts';
import type { AppContext } from './context.ts';
import { AppError, ConflictError, InputError, NotFoundError } from './errors.ts';

// People who sign in to the web UI: operators with a role (as API keys have) and suppliers' staff, who see their
// own supplier only. A session is a random token in an HttpOnly cookie, stored by its hash, with a CSRF token that
// every state-changing request must repeat in a header (src/http/auth.ts).

/** A supplier's staff: the portal and the supplier API, for that supplier only. */
export const SUPPLIER_ROLE = 'supplier';
export type UserRole = Role | typeof SUPPLIER_ROLE;

/** How long a session lasts, from sign-in: a working day and then some. */
export const SESSION_MS = 12 * 60 * 60_000;
/** How long a sign-in link stays usable: a weekend's invitation still works on Monday. */
export const SIGN_IN_LINK_MS = 72 * 60 * 60_000;
/** Failed sign-ins in a row that lock the account, and for how long. */
export const LOCK_AFTER_FAILURES = 5;
export const LOCK_MS = 15 * 60_000;
export const MIN_PASSWORD_LENGTH = 12;

export interface UserView {
  id: string;
  email: string;
  role: UserRole;
  supplierId: string | null;
  hasPassword: boolean;
}

export interface SignedIn {
  user: UserView;
  /** The cookie's value: shown once, stored only as its hash. */
  sessionToken: string;
  csrfToken: string;
  expiresAt: number;
}

export class SignInRefused extends AppError {
  constructor(detail: string) {
    super('invalid_credentials', detail, 401);
  }
}

export class AccountLocked extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super(
      'locked',
      `email: too many failed sign-ins; try again in ${Math.ceil(retryAfterSeconds / 60)} minutes`,
      429,
    );
  }
}

export function userView(row: UserRow): UserView {
  return {
    id: row.id,
    email: row.email,
    role: row.role as UserRole,
    supplierId: row.supplierId,
    hasPassword: row.passwordHash !== null,
  };
}

const normalEmail = (email: string) => email.trim().toLowerCase();

/**
 * Creates an operator (a role) or a supplier's user (a supplier) and a one-time sign-in link for them: the link is
 * how they first sign in and choose a password. The token is shown only here.
 */
export async function createUser(
  ctx: AppContext,
  input: { email: string; role: Role } | { email: string; supplierId: string },
): Promise<{ id: string; token: string; signInPath: string }> {
  const email = normalEmail(input.email);
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new InputError('email', 'not an email address');
  const supplierId = 'supplierId' in input ? input.supplierId : null;
  const role: UserRole = 'role' in input ? input.role : SUPPLIER_ROLE;
  if ('role' in input && !ROLES.includes(input.role))
    throw new InputError('role', `must be one of ${ROLES.join(', ')}`);
  const id = ctx.ids.next('usr');
  const now = ctx.clock.now().getTime();
  const token = newToken('wbl');
  await ctx.store.transact(async (tx) => {
    if (supplierId !== null && !(await findSupplierRow(tx, supplierId)))
      throw new InputError('supplierId', `no supplier ${supplierId}`);
    if (!(await insertUser(tx, { id, email, role, supplierId, createdAt: now })))
      throw new ConflictError(
        `email: a user ${email} exists; \`waybill users link --email ${email}\` gives them a new sign-in link`,
      );
    await insertSignInLink(tx, {
      tokenHash: hashToken(token),
      userId: id,
      createdAt: now,
      expiresAt: now + SIGN_IN_LINK_MS,
    });
  });
  return { id, token, signInPath: signInPath(supplierId, token) };
}

/** A new one-time sign-in link for an existing user (a lost password, an invitation that lapsed), by email or id. */
export async function issueSignInLink(
  ctx: AppContext,
  who: { email: string } | { id: string },
): Promise<{ id: string; token: string; signInPath: string }> {
  const user =
    'email' in who
      ? await findUserByEmail(ctx.store.db, normalEmail(who.email))
      : await findUserById(ctx.store.db, who.id);
  if (!user || user.disabledAt !== null)
    throw new NotFoundError(`user ${'email' in who ? normalEmail(who.email) : who.id}`);
  const now = ctx.clock.now().getTime();
  const token = newToken('wbl');
  await ctx.store.transact((tx) =>
    insertSignInLink(tx, {
      tokenHash: hashToken(token),
      userId: user.id,
      createdAt: now,
      expiresAt: now + SIGN_IN_LINK_MS,
    }),
  );
  return { id: user.id, token, signInPath: signInPath(user.supplierId, token) };
}

/** Where a link signs in: the portal for a supplier's user, the admin UI for an operator. In the fragment, so no
 * server or proxy log ever holds it. */
function signInPath(supplierId: string | null, token: string): string {
  return `${supplierId === null ? '' : '/portal'}/sign-in#link=${token}`;
}

/**
 * Email and password. A wrong one counts toward the lock; a locked account is refused even with the right password
 * until the lock ends. An unknown email takes as long as a known one and is refused alike.
 */
export async function signInWithPassword(
  ctx: AppContext,
  email: string,
  password: string,
): Promise<SignedIn> {
  const now = ctx.clock.now().getTime();
  const user = await findUserByEmail(ctx.store.db, normalEmail(email));
  const usable = user && user.disabledAt === null ? user : undefined;
  const matches = await verifyPassword(password, usable?.passwordHash ?? NO_PASSWORD);
  if (!usable) throw new SignInRefused('email or password: not a match');
  if (usable.lockedUntil !== null && usable.lockedUntil > now)
    throw new AccountLocked((usable.lockedUntil - now) / 1000);
  if (!matches || usable.passwordHash === null) {
    await ctx.store.transact((tx) => recordFailedSignIn(tx, usable.id, LOCK_AFTER_FAILURES, now + LOCK_MS));
    throw new SignInRefused('email or password: not a match');
  }
  return startSession(ctx, usable, now);
}

/** A one-time link: signs in once, then never again (a second use is refused as an unknown link). */
export async function signInWithLink(ctx: AppContext, token: string): Promise<SignedIn> {
  const now = ctx.clock.now().getTime();
  const userId = await ctx.store.transact((tx) => useSignInLink(tx, hashToken(token), now));
  const user = userId === undefined ? undefined : await findUserById(ctx.store.db, userId);
  if (!user || user.disabledAt !== null)
    throw new SignInRefused('token: the sign-in link is unknown, used or expired; ask for a new one');
  return startSession(ctx, user, now);
}

/** A new session of `user` (a password's, a sign-in link's, a portal link's): only the token's hash is kept. */
export async function startSession(ctx: AppContext, user: UserRow, now: number): Promise<SignedIn> {
  const sessionToken = newToken('wbs');
  const csrfToken = randomBytes(24).toString('base64url');
  const expiresAt = now + SESSION_MS;
  await ctx.store.transact(async (tx) => {
    await clearFailedSignIns(tx, user.id);
    await deleteExpiredSessionsOf(tx, user.id, now);
    await insertSession(tx, {
      tokenHash: hashToken(sessionToken),
      userId: user.id,
      csrfToken,
      createdAt: now,
      expiresAt,
    });
  });
  return {
    user: userView({ ...user, failedSignIns: 0, lockedUntil: null }),
    sessionToken,
    csrfToken,
    expiresAt,
  };
}

/** The signed-in user and the session's CSRF token; undefined for a token unknown, signed out or expired. */
export async function sessionOf(
  db: Db,
  sessionToken: string,
  now: number,
): Promise<{ user: UserView; csrfToken: string; expiresAt: number } | undefined> {
  const session = await findLiveSession(db, hashToken(sessionToken), now);
  if (!session || session.user.disabledAt !== null) return undefined;
  return { user: userView(session.user), csrfToken: session.csrfToken, expiresAt: session.expiresAt };
}

export async function signOut(ctx: AppContext, sessionToken: string): Promise<void> {
  await ctx.store.transact((tx) => deleteSession(tx, hashToken(sessionToken)));
}

/**
 * Sets the signed-in user's password (the session as the caller found it live); their other sessions end (whoever
 * else held one is out).
 */
export async function choosePassword(
  ctx: AppContext,
  session: { userId: string; sessionToken: string },
  password: string,
): Promise<void> {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw new InputError('password', `must be at least ${MIN_PASSWORD_LENGTH} characters`);
  // A portal link's user is shared by every link of its supplier: a password would be a key to all of them.
  const user = await findUserById(ctx.store.db, session.userId);
  if (user && isPortalLinkUser(user.email))
    throw new InputError(
      'password',
      "a portal link's session has no password; ask the retailer for a user of your own",
    );
  const hash = await hashPassword(password);
  await ctx.store.transact(async (tx) => {
    await setPasswordHash(tx, session.userId, hash);
    await deleteOtherSessions(tx, session.userId, hashToken(session.sessionToken));
  });
}

export async function listUserViews(
  db: Db,
): Promise<(UserView & { createdAt: string; disabledAt: string | null })[]> {
  return (await listUsers(db)).map((row) => ({
    ...userView(row),
    createdAt: new Date(row.createdAt).toISOString(),
    disabledAt: row.disabledAt === null ? null : new Date(row.disabledAt).toISOString(),
  }));
}

/** Disables a user: their sessions end at once and they can sign in no more (a new user is made to come back). */
export async function disableUserById(ctx: AppContext, id: string): Promise<void> {
  const now = ctx.clock.now().getTime();
  const user = await findUserById(ctx.store.db, id);
  if (!user) throw new NotFoundError(`user ${id}`);
  await ctx.store.transact((tx) => disableUser(tx, id, now));
}
