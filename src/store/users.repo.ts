import type { Db } from './schema.ts';

// People who sign in to the web UI, their sessions and their one-time sign-in links (src/app/users.ts).

export interface UserRow {
  id: string;
  email: string;
  role: string;
  supplierId: string | null;
  passwordHash: string | null;
  failedSignIns: number;
  lockedUntil: number | null;
  disabledAt: number | null;
}

const USER_COLUMNS = [
  'id',
  'email',
  'role',
  'supplier_id',
  'password_hash',
  'failed_sign_ins',
  'locked_until',
  'disabled_at',
] as const;

function userOf(row: {
  id: string;
  email: string;
  role: string;
  supplier_id: string | null;
  password_hash: string | null;
  failed_sign_ins: number;
  locked_until: number | null;
  disabled_at: number | null;
}): UserRow {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    supplierId: row.supplier_id,
    passwordHash: row.password_hash,
    failedSignIns: Number(row.failed_sign_ins),
    lockedUntil: row.locked_until === null ? null : Number(row.locked_until),
    disabledAt: row.disabled_at === null ? null : Number(row.disabled_at),
  };
}

/** Stores a new user; false when the email is taken. */
export async function insertUser(
  tx: Db,
  user: { id: string; email: string; role: string; supplierId: string | null; createdAt: number },
): Promise<boolean> {
  const result = await tx
    .insertInto('users')
    .values({
      id: user.id,
      email: user.email,
      role: user.role,
      supplier_id: user.supplierId,
      password_hash: null,
      locked_until: null,
      created_at: user.createdAt,
      disabled_at: null,
    })
    .onConflict((oc) => oc.column('email').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  const row = await db.selectFrom('users').select(USER_COLUMNS).where('email', '=', email).executeTakeFirst();
  return row && userOf(row);
}

export async function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  const row = await db.selectFrom('users').select(USER_COLUMNS).where('id', '=', id).executeTakeFirst();
  return row && userOf(row);
}

/** Every user, operators first, then by email. */
export async function listUsers(db: Db): Promise<(UserRow & { createdAt: number })[]> {
  const rows = await db
    .selectFrom('users')
    .select([...USER_COLUMNS, 'created_at'])
    .orderBy('supplier_id', 'desc')
    .orderBy('email')
    .execute();
  return rows.map((row) => ({ ...userOf(row), createdAt: Number(row.created_at) }));
}

/** A failed sign-in counted; the account locked until `lockUntil` when the count reaches `lockAt`. */
export async function recordFailedSignIn(
  tx: Db,
  userId: string,
  lockAt: number,
  lockUntil: number,
): Promise<void> {
  const row = await tx
    .updateTable('users')
    .set((eb) => ({ failed_sign_ins: eb('failed_sign_ins', '+', 1) }))
    .where('id', '=', userId)
    .returning('failed_sign_ins')
    .executeTakeFirst();
  if (row && Number(row.failed_sign_ins) >= lockAt)
    await tx
      .updateTable('users')
      .set({ locked_until: lockUntil, failed_sign_ins: 0 })
      .where('id', '=', userId)
      .execute();
}

export async function clearFailedSignIns(tx: Db, userId: string): Promise<void> {
  await tx
    .updateTable('users')
    .set({ failed_sign_ins: 0, locked_until: null })
    .where('id', '=', userId)
    .execute();
}

export async function setPasswordHash(tx: Db, userId: string, hash: string): Promise<void> {
  await tx.updateTable('users').set({ password_hash: hash }).where('id', '=', userId).execute();
}

export async function insertSession(
  tx: Db,
  session: { tokenHash: string; userId: string; csrfToken: string; createdAt: number; expiresAt: number },
): Promise<void> {
  await tx
    .insertInto('user_sessions')
    .values({
      token_hash: session.tokenHash,
      user_id: session.userId,
      csrf_token: session.csrfToken,
      created_at: session.createdAt,
      expires_at: session.expiresAt,
    })
    .execute();
}

/** The session with this token hash and its user, if the session has not expired at `now`. */
export async function findLiveSession(
  db: Db,
  tokenHash: string,
  now: number,
): Promise<{ user: UserRow; csrfToken: string; expiresAt: number } | undefined> {
  const row = await db
    .selectFrom('user_sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select([
      'u.id',
      'u.email',
      'u.role',
      'u.supplier_id',
      'u.password_hash',
      'u.failed_sign_ins',
      'u.locked_until',
      'u.disabled_at',
      's.csrf_token',
      's.expires_at',
    ])
    .where('s.token_hash', '=', tokenHash)
    .where('s.expires_at', '>', now)
    .executeTakeFirst();
  return row && { user: userOf(row), csrfToken: row.csrf_token, expiresAt: Number(row.expires_at) };
}

export async function deleteSession(tx: Db, tokenHash: string): Promise<void> {
  await tx.deleteFrom('user_sessions').where('token_hash', '=', tokenHash).execute();
}

/** Every session of the user but `keep` (a password changed signs the others out). */
export async function deleteOtherSessions(tx: Db, userId: string, keep: string): Promise<void> {
  await tx
    .deleteFrom('user_sessions')
    .where('user_id', '=', userId)
    .where('token_hash', '!=', keep)
    .execute();
}

/** The user's sessions past their time: a sign-in clears them, so a user's rows stay few. */
export async function deleteExpiredSessionsOf(tx: Db, userId: string, now: number): Promise<void> {
  await tx.deleteFrom('user_sessions').where('user_id', '=', userId).where('expires_at', '<=', now).execute();
}

export async function insertSignInLink(
  tx: Db,
  link: { tokenHash: string; userId: string; createdAt: number; expiresAt: number },
): Promise<void> {
  await tx
    .insertInto('sign_in_links')
    .values({
      token_hash: link.tokenHash,
      user_id: link.userId,
      created_at: link.createdAt,
      expires_at: link.expiresAt,
      used_at: null,
    })
    .execute();
}

/**
 * Uses the link once: the user it signs in, if it was unused and live at `now`. Two requests with one link race on
 * the update; only one finds it unused.
 */
export async function useSignInLink(tx: Db, tokenHash: string, now: number): Promise<string | undefined> {
  const row = await tx
    .updateTable('sign_in_links')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('user_id')
    .executeTakeFirst();
  return row?.user_id;
}

/** Disables the user and ends their sessions: they sign in no more (their row stays, for the timeline's names). */
export async function disableUser(tx: Db, userId: string, now: number): Promise<boolean> {
  const result = await tx
    .updateTable('users')
    .set({ disabled_at: now })
    .where('id', '=', userId)
    .where('disabled_at', 'is', null)
    .executeTakeFirst();
  await tx.deleteFrom('user_sessions').where('user_id', '=', userId).execute();
  return Number(result.numUpdatedRows) === 1;
}
