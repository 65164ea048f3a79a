import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApiKey } from '../src/app/api-keys.ts';
import { describeEachDatabase } from './support/databases.ts';
import { startTestHub, type TestHub } from './support/hub.ts';

describeEachDatabase('API keys, kept by an admin', (dialect) => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub(dialect);
  });
  afterAll(() => t?.close());

  it('makes a key shown once, lists keys without any key or hash, and revokes one', async () => {
    const made = await t.api('/api/v1/keys', { body: { role: 'read-only', label: 'dashboard screen' } });
    expect(made.status).toBe(201);
    expect(made.body.key).toMatch(/^wb_/);
    // The new key works (not used before this request, so nothing of it is cached yet when it is revoked below).
    const other = await t.api('/api/v1/keys', { body: { role: 'operator', label: 'to revoke' } });

    const listed = await t.api('/api/v1/keys');
    expect(listed.status).toBe(200);
    expect(listed.body.keys[0]).toMatchObject({
      id: other.body.id,
      role: 'operator',
      label: 'to revoke',
      revokedAt: null,
    });
    expect(listed.body.keys.map((k: { id: string }) => k.id)).toContain(made.body.id);
    const text = JSON.stringify(listed.body);
    expect(text).not.toContain(made.body.key);
    expect(text).not.toMatch(/[0-9a-f]{64}/);
    expect((await t.api('/api/v1/orders', { key: made.body.key })).status).toBe(200);

    expect((await t.api(`/api/v1/keys/${other.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.api('/api/v1/orders', { key: other.body.key })).status).toBe(401);
    const after = (await t.api('/api/v1/keys')).body.keys.find((k: { id: string }) => k.id === other.body.id);
    expect(after.revokedAt).not.toBeNull();
    // Again: no change, and an unknown key is not found.
    expect((await t.api(`/api/v1/keys/${other.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.api('/api/v1/keys/key_nope', { method: 'DELETE' })).status).toBe(404);
  });

  it('is for admins only', async () => {
    const { key } = await createApiKey(t.hub.ctx, 'operator');
    expect((await t.api('/api/v1/keys', { key })).status).toBe(403);
    expect((await t.api('/api/v1/keys', { key, body: { role: 'admin' } })).status).toBe(403);
    const bad = await t.api('/api/v1/keys', { body: { role: 'root' } });
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toMatch(/^role/);
  });
});
