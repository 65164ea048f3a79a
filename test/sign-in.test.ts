import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createUser, LOCK_AFTER_FAILURES, LOCK_MS, SESSION_MS } from '../src/app/users.ts';
import { describeEachDatabase } from './support/databases.ts';
import { fakeClock } from './support/fake-clock.ts';
import { startTestHub, testSetup, type TestHub } from './support/hub.ts';
import { rawExchange } from './support/raw-http.ts';

/** A browser's cookie jar for one person: the session cookie the hub sets, sent back on every request. */
function browser(hub: TestHub) {
  let cookie: string | undefined;
  let csrf: string | undefined;
  const call = async (path: string, init: { method?: string; body?: unknown; csrf?: boolean } = {}) => {
    const headers: Record<string, string> = {};
    if (cookie) headers.cookie = cookie;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (init.csrf !== false && csrf) headers['x-csrf-token'] = csrf;
    const response = await fetch(`${hub.url}${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) {
      const value = setCookie.split(';')[0]!;
      cookie = value.endsWith('=') ? undefined : value;
    }
    const text = await response.text();
    const body = text ? JSON.parse(text) : null;
    if (body?.csrfToken) csrf = body.csrfToken;
    return { status: response.status, body, headers: response.headers, setCookie };
  };
  return {
    call,
    signInWithLink: (signInPath: string) =>
      call('/api/v1/session/link', { body: { token: signInPath.split('#link=')[1] } }),
    signIn: (email: string, password: string) => call('/api/v1/session', { body: { email, password } }),
    forgetCsrf: () => {
      csrf = undefined;
    },
  };
}

describeEachDatabase('signing in to the web UI', (dialect) => {
  let hub: TestHub;
  const clock = fakeClock('2027-03-01T09:00:00Z');

  beforeAll(async () => {
    hub = await startTestHub(dialect, { clock });
    await hub.apply(testSetup({ prompt: 'http://127.0.0.1:9/po', flaky: 'http://127.0.0.1:9/po' }));
  });
  afterAll(() => hub?.close());

  it('signs an operator in by a one-time link, then by the password they chose; the cookie is HttpOnly and strict', async () => {
    const { signInPath } = await createUser(hub.hub.ctx, { email: 'Ops@Example.com', role: 'operator' });
    expect(signInPath).toMatch(/^\/sign-in#link=wbl_/);
    const ann = browser(hub);
    expect((await ann.call('/api/v1/session')).status).toBe(401);

    const first = await ann.signInWithLink(signInPath);
    expect(first.status).toBe(200);
    expect(first.body.user).toMatchObject({ email: 'ops@example.com', role: 'operator', hasPassword: false });
    expect(first.setCookie).toMatch(/^waybill_session=wbs_[\w-]+;/);
    expect(first.setCookie).toMatch(/HttpOnly/);
    expect(first.setCookie).toMatch(/SameSite=Strict/);
    // Plain HTTP on loopback: no Secure, or the browser would never send it back.
    expect(first.setCookie).not.toMatch(/Secure/);
    expect((await ann.call('/api/v1/orders')).status).toBe(200);

    // The link works once.
    expect((await browser(hub).signInWithLink(signInPath)).status).toBe(401);

    expect(
      (await ann.call('/api/v1/session/password', { method: 'PUT', body: { password: 'short' } })).body,
    ).toMatchObject({ status: 422 });
    expect(
      (
        await ann.call('/api/v1/session/password', {
          method: 'PUT',
          body: { password: 'a long enough secret' },
        })
      ).status,
    ).toBe(204);
    expect((await ann.call('/api/v1/session')).body.user.hasPassword).toBe(true);
    // Another site cannot sign a person out (nor set their password): the token is required.
    const forged = await ann.call('/api/v1/session', { method: 'DELETE', csrf: false });
    expect([forged.status, forged.body.code]).toEqual([403, 'csrf']);
    const forgedPassword = await ann.call('/api/v1/session/password', {
      method: 'PUT',
      body: { password: 'an attacker chose this' },
      csrf: false,
    });
    expect([forgedPassword.status, forgedPassword.body.code]).toEqual([403, 'csrf']);
    expect((await ann.call('/api/v1/session', { method: 'DELETE' })).status).toBe(204);
    expect((await ann.call('/api/v1/orders')).status).toBe(401);

    const again = browser(hub);
    expect((await again.signIn('OPS@example.com ', 'a long enough secret')).status).toBe(200);
    expect((await again.call('/api/v1/orders')).status).toBe(200);
  });

  it('keeps passwords and sessions as hashes only', async () => {
    const { signInPath } = await createUser(hub.hub.ctx, { email: 'hashes@example.com', role: 'admin' });
    const bob = browser(hub);
    const signedIn = await bob.signInWithLink(signInPath);
    await bob.call('/api/v1/session/password', {
      method: 'PUT',
      body: { password: 'correct horse battery' },
    });
    const token = signedIn.setCookie!.split(';')[0]!.split('=')[1]!;
    const { rows } = await sql<{ text: string }>`select u.password_hash || ' ' || s.token_hash as text
      from users u join user_sessions s on s.user_id = u.id where u.email = 'hashes@example.com'`.execute(
      hub.hub.store.db,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.text).toMatch(/^scrypt\$/);
    expect(rows[0]!.text).not.toContain('correct horse battery');
    expect(rows[0]!.text).not.toContain(token);
  });

  it('refuses a request that changes something without the CSRF token, and a read-only user any change', async () => {
    const { signInPath } = await createUser(hub.hub.ctx, { email: 'csrf@example.com', role: 'admin' });
    const cy = browser(hub);
    await cy.signInWithLink(signInPath);
    const replay = () => cy.call('/api/v1/dead-letters/job_missing/replay', { method: 'POST', body: {} });
    expect((await replay()).status).toBe(404);
    cy.forgetCsrf();
    const refused = await replay();
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'csrf', field: 'x-csrf-token' });
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
    // Reads need no token.
    expect((await cy.call('/api/v1/orders')).status).toBe(200);

    const reader = browser(hub);
    await reader.signInWithLink(
      (await createUser(hub.hub.ctx, { email: 'ro@example.com', role: 'read-only' })).signInPath,
    );
    expect((await reader.call('/api/v1/orders')).status).toBe(200);
    const forbidden = await reader.call('/api/v1/dead-letters/job_missing/replay', {
      method: 'POST',
      body: {},
    });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('forbidden');
    // Only an admin lists and creates users.
    expect((await reader.call('/api/v1/users')).status).toBe(403);
    const made = await cy.call('/api/v1/users', {
      method: 'POST',
      body: { email: 'new@example.com', role: 'operator' },
    });
    cy.forgetCsrf();
    expect(made.status).toBe(403);
  });

  it('lets an admin create users with a sign-in link, and lists them', async () => {
    const { signInPath } = await createUser(hub.hub.ctx, { email: 'boss@example.com', role: 'admin' });
    const boss = browser(hub);
    await boss.signInWithLink(signInPath);
    const made = await boss.call('/api/v1/users', { body: { email: 'clerk@example.com', role: 'operator' } });
    expect(made.status).toBe(201);
    expect(made.body.signInPath).toMatch(/^\/sign-in#link=/);
    expect(
      (await boss.call('/api/v1/users', { body: { email: 'CLERK@example.com', role: 'operator' } })).status,
    ).toBe(409);
    const forSupplier = await boss.call('/api/v1/users', {
      body: { email: 'desk@prompt.example', supplierId: 'prompt' },
    });
    expect(forSupplier.body.signInPath).toMatch(/^\/portal\/sign-in#link=/);
    const unknownSupplier = await boss.call('/api/v1/users', {
      body: { email: 'x@nowhere.example', supplierId: 'nowhere' },
    });
    expect(unknownSupplier.status).toBe(422);
    expect(unknownSupplier.body.detail).toMatch(/^supplierId:/);
    const list = await boss.call('/api/v1/users');
    expect(list.body.users.map((u: { email: string }) => u.email)).toEqual(
      expect.arrayContaining(['clerk@example.com', 'desk@prompt.example']),
    );
    expect(JSON.stringify(list.body)).not.toMatch(/scrypt|password_hash/);
  });

  it('lets an admin give a user a new link, and disable a user, whose session ends at once', async () => {
    const boss = browser(hub);
    await boss.signInWithLink(
      (await createUser(hub.hub.ctx, { email: 'boss2@example.com', role: 'admin' })).signInPath,
    );
    const { id } = await createUser(hub.hub.ctx, { email: 'leaver@example.com', role: 'operator' });
    const again = await boss.call(`/api/v1/users/${id}/link`, { body: {} });
    expect(again.status).toBe(200);
    const leaver = browser(hub);
    expect((await leaver.signInWithLink(again.body.signInPath)).status).toBe(200);
    expect((await leaver.call('/api/v1/orders')).status).toBe(200);

    expect((await boss.call(`/api/v1/users/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await leaver.call('/api/v1/orders')).status).toBe(401);
    const listed = (await boss.call('/api/v1/users')).body.users.find((u: { id: string }) => u.id === id);
    expect(listed.disabledAt).not.toBeNull();
    // No new link for a disabled user, and their old ones are dead.
    expect((await boss.call(`/api/v1/users/${id}/link`, { body: {} })).status).toBe(404);
    expect((await boss.call('/api/v1/users/usr_nope', { method: 'DELETE' })).status).toBe(404);
    const self = (await boss.call('/api/v1/session')).body.user.id;
    expect((await boss.call(`/api/v1/users/${self}`, { method: 'DELETE' })).status).toBe(409);
  });

  it(`locks an account for a while after ${LOCK_AFTER_FAILURES} wrong passwords, even against the right one`, async () => {
    const { signInPath } = await createUser(hub.hub.ctx, { email: 'lock@example.com', role: 'operator' });
    const dee = browser(hub);
    await dee.signInWithLink(signInPath);
    await dee.call('/api/v1/session/password', { method: 'PUT', body: { password: 'the right password' } });
    const unknown = await browser(hub).signIn('nobody@example.com', 'the right password');
    expect(unknown.status).toBe(401);
    for (let i = 0; i < LOCK_AFTER_FAILURES; i++) {
      const wrong = await browser(hub).signIn('lock@example.com', 'a wrong password');
      expect(wrong.status).toBe(401);
      // An unknown email and a wrong password read alike.
      expect(wrong.body.detail).toBe(unknown.body.detail);
    }
    const locked = await browser(hub).signIn('lock@example.com', 'the right password');
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('locked');
    expect(Number(locked.headers.get('retry-after'))).toBe(LOCK_MS / 1000);
    clock.advance(LOCK_MS + 1_000);
    expect((await browser(hub).signIn('lock@example.com', 'the right password')).status).toBe(200);
  });

  it('ends a session at its time', async () => {
    const eve = browser(hub);
    await eve.signInWithLink(
      (await createUser(hub.hub.ctx, { email: 'expiry@example.com', role: 'operator' })).signInPath,
    );
    expect((await eve.call('/api/v1/orders')).status).toBe(200);
    clock.advance(SESSION_MS + 1);
    const expired = await eve.call('/api/v1/orders');
    expect(expired.status).toBe(401);
    expect((await eve.call('/api/v1/session')).status).toBe(401);
  });

  it('a link expires unused after its time', async () => {
    const { signInPath } = await createUser(hub.hub.ctx, { email: 'late@example.com', role: 'operator' });
    clock.advance(73 * 60 * 60_000);
    const late = await browser(hub).signInWithLink(signInPath);
    expect(late.status).toBe(401);
    expect(late.body.detail).toMatch(/^token:/);
  });

  it("keeps a supplier's user to the portal and their own supplier", async () => {
    const { signInPath } = await createUser(hub.hub.ctx, {
      email: 'desk@flaky.example',
      supplierId: 'flaky',
    });
    const desk = browser(hub);
    const signedIn = await desk.signInWithLink(signInPath);
    expect(signedIn.body.user).toMatchObject({ role: 'supplier', supplierId: 'flaky' });
    expect((await desk.call('/supplier-api/v1/purchase-orders')).status).toBe(200);
    expect((await desk.call('/api/v1/orders')).status).toBe(403);
    // An operator's session is no supplier's.
    const ops = browser(hub);
    await ops.signInWithLink(
      (await createUser(hub.hub.ctx, { email: 'ops2@example.com', role: 'admin' })).signInPath,
    );
    expect((await ops.call('/supplier-api/v1/purchase-orders')).status).toBe(403);
  });

  it('sets the cookie Secure when the hub is reached by a name other than loopback', async () => {
    const { signInPath } = await createUser(hub.hub.ctx, { email: 'tls@example.com', role: 'operator' });
    const body = JSON.stringify({ token: signInPath.split('#link=')[1] });
    // fetch may not set Host: the request as a browser at https://waybill.example.com (behind a proxy) sends it.
    const far = await rawExchange(
      hub.url,
      `POST /api/v1/session/link HTTP/1.1\r\nHost: waybill.example.com\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(far.status).toBe(200);
    expect(far.headers['set-cookie']).toMatch(/; Secure/);
  });
});
