import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachDatabase } from './support/databases.ts';
import { deadJob } from './support/jobs.ts';
import { orderBody, startTestHub, SUPPLIER_TOKENS, testSetup, type TestHub } from './support/hub.ts';

describeEachDatabase('lists come a page at a time, with a cursor to the next', (dialect) => {
  let t: TestHub;
  beforeEach(async () => {
    t = await startTestHub(dialect);
    await t.apply(testSetup({ prompt: 'http://127.0.0.1:9/prompt', flaky: 'http://127.0.0.1:9/flaky' }));
  });
  afterEach(async () => {
    await t?.close();
  });

  /** `count` dead letters (died three to a millisecond, so that ties are paged by id) and one job still pending. */
  async function seedDeadLetters(count: number): Promise<string[]> {
    const rows = Array.from({ length: count }, (_, i) =>
      deadJob(`job_dead_${String(i).padStart(4, '0')}`, {
        key: `dead-${i}`,
        updated_at: 2_000 + Math.floor(i / 3),
      }),
    );
    await t.hub.store.db
      .insertInto('jobs')
      .values([...rows, { ...rows[0]!, id: 'job_pending', key: 'pending', state: 'pending' }])
      .execute();
    // The last to die first; among those that died in the same millisecond, the larger id first.
    return [...rows].sort((a, b) => b.updated_at - a.updated_at || b.id.localeCompare(a.id)).map((r) => r.id);
  }

  async function pages(
    path: string,
    listName: string,
    cursorParam = 'before',
  ): Promise<{ ids: string[]; sizes: number[] }> {
    const ids: string[] = [];
    const sizes: number[] = [];
    let next: string | null = null;
    do {
      const separator = path.includes('?') ? '&' : '?';
      const answer = await t.api(
        next ? `${path}${separator}${cursorParam}=${encodeURIComponent(next)}` : path,
      );
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      ids.push(...answer.body[listName].map((item: { id: string }) => item.id));
      sizes.push(answer.body[listName].length);
      next = answer.body.next;
    } while (next !== null && sizes.length < 100);
    return { ids, sizes };
  }

  it('the dead-letter list pages past 100 and says when there is more', async () => {
    const expected = await seedDeadLetters(101);
    const first = await t.api('/api/v1/dead-letters');
    expect(first.body.deadLetters).toHaveLength(100);
    expect(first.body.next).toEqual(expect.any(String));
    expect(await pages('/api/v1/dead-letters', 'deadLetters')).toEqual({ ids: expected, sizes: [100, 1] });
  });

  it('dead letters a few at a time: each once, in order, ties split across pages included', async () => {
    const expected = await seedDeadLetters(10);
    expect(await pages('/api/v1/dead-letters?limit=4', 'deadLetters')).toEqual({
      ids: expected,
      sizes: [4, 4, 2],
    });
    expect((await t.api('/api/v1/dead-letters?limit=10')).body.next).toBeNull();
  });

  it('a dead-letter cursor that is not one → 400 naming query.before', async () => {
    const answer = await t.api('/api/v1/dead-letters?before=yesterday');
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 'invalid_input', field: 'query.before' });
    expect(answer.body.detail).toMatch(/^query\.before: /);
  });

  it("the supplier's purchase orders page with before (and cursor, its old name) and next", async () => {
    for (const id of ['p-1', 'p-2', 'p-3'])
      expect((await t.api('/api/v1/channels/storefront/orders', { body: orderBody(id) })).status).toBe(201);
    const all = await supplierList('/supplier-api/v1/purchase-orders');
    expect(all.purchaseOrders).toHaveLength(3);
    expect(all.next).toBeNull();
    const ids = all.purchaseOrders.map((po: { id: string }) => po.id);
    for (const name of ['before', 'cursor']) {
      const first = await supplierList('/supplier-api/v1/purchase-orders?limit=2');
      expect(first.purchaseOrders.map((po: { id: string }) => po.id)).toEqual(ids.slice(0, 2));
      expect(first.next).toBe(ids[1]);
      const second = await supplierList(`/supplier-api/v1/purchase-orders?limit=2&${name}=${first.next}`);
      expect({ ids: second.purchaseOrders.map((po: { id: string }) => po.id), next: second.next }).toEqual({
        ids: ids.slice(2),
        next: null,
      });
    }
  });

  it('the OpenAPI document describes the cursors and next', async () => {
    const { body: doc } = await t.api('/openapi.json', { key: null });
    for (const [path, names] of [
      ['/api/v1/dead-letters', ['limit', 'before']],
      ['/supplier-api/v1/purchase-orders', ['limit', 'before', 'cursor']],
    ] as const) {
      const get = doc.paths[path].get;
      expect(
        get.parameters.filter((p: { in: string }) => p.in === 'query').map((p: { name: string }) => p.name),
      ).toEqual(expect.arrayContaining([...names]));
      expect(Object.keys(get.responses['200'].content['application/json'].schema.properties)).toContain(
        'next',
      );
    }
  });

  async function supplierList(path: string) {
    const answer = await fetch(`${t.url}${path}`, {
      headers: { authorization: `Bearer ${SUPPLIER_TOKENS.prompt}` },
    });
    expect(answer.status).toBe(200);
    return (await answer.json()) as any;
  }
});
