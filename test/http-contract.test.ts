import { afterEach, expect, it } from 'vitest';
import { createHub } from '../src/hub.ts';
import { createTestDatabase, describeEachDatabase } from './support/databases.ts';
import { startTestHub, TEST_SECRET_KEY, type TestHub } from './support/hub.ts';

describeEachDatabase('the HTTP names of CONTRACT.md', (dialect) => {
  let t: TestHub | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('serves /healthz, /readyz, /openapi.json, /docs and /metrics', async () => {
    t = await startTestHub(dialect);
    expect(await t.api('/healthz', { key: null })).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await t.api('/readyz', { key: null })).toMatchObject({ status: 200, body: { status: 'ready' } });

    const { body: doc } = await t.api('/openapi.json', { key: null });
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of [
      '/api/v1/channels/{channelId}/orders',
      '/api/v1/orders/{orderId}',
      '/supplier-api/v1/purchase-orders/{poNumber}/shipments',
      '/api/v1/dead-letters/{jobId}/replay',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    // A machine's bearer credential, or the web UI's session cookie.
    expect(doc.paths['/api/v1/orders'].get.security).toEqual([{ apiKey: [] }, { session: [] }]);
    expect(doc.paths['/supplier-api/v1/purchase-orders'].get.security).toEqual([
      { supplierToken: [] },
      { session: [] },
    ]);
    expect(doc.paths['/api/v1/session'].post.security).toEqual([]);

    const docs = await fetch(`${t.url}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');

    await t.api('/api/v1/orders');
    const metrics = await t.api('/metrics', { key: null });
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(metrics.body).toMatch(/^# TYPE waybill_jobs gauge$/m);
    expect(metrics.body).toMatch(/^waybill_jobs_due \d+$/m);
    expect(metrics.body).toMatch(
      /waybill_http_request_duration_seconds_count\{[^}]*route="\/api\/v1\/orders"[^}]*\} 1/,
    );
  });

  it('documents the 400 of every operation that checks a query or a body', async () => {
    t = await startTestHub(dialect);
    const { body: doc } = await t.api('/openapi.json', { key: null });
    const undocumented: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths as Record<string, Record<string, any>>))
      for (const [method, operation] of Object.entries(operations)) {
        const checks =
          operation.requestBody !== undefined ||
          (operation.parameters ?? []).some((p: { in: string }) => p.in === 'query');
        if (checks && !operation.responses?.['400']) undocumented.push(`${method.toUpperCase()} ${path}`);
      }
    expect(undocumented).toEqual([]);
  });

  it('a worker told to run a job kind that does not exist does not start, and says which', async () => {
    const database = await createTestDatabase(dialect);
    try {
      const start = createHub({
        databaseUrl: database.url,
        secretKey: TEST_SECRET_KEY,
        migrate: true,
        worker: true,
        http: false,
        logLevel: 'silent',
        workerOptions: { kinds: ['po.sned'] },
      });
      await expect(start).rejects.toThrow(
        /WAYBILL_WORKER_KINDS names po\.sned, which is not a job kind \(.*po\.send/,
      );
    } finally {
      await database.drop();
    }
  });

  it('/readyz answers 503 until the database is migrated', async () => {
    const database = await createTestDatabase(dialect);
    const hub = await createHub({
      databaseUrl: database.url,
      secretKey: TEST_SECRET_KEY,
      migrate: false,
      worker: false,
      logLevel: 'silent',
    });
    try {
      const url = await hub.listen(0, '127.0.0.1');
      const answer = await fetch(`${url}/readyz`);
      expect(answer.status).toBe(503);
      expect(await answer.json()).toMatchObject({ status: 'unavailable' });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      await hub.close(100);
      await database.drop();
    }
  });
});
