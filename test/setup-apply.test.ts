import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachDatabase } from './support/databases.ts';
import { SECRETS, startTestHub, SUPPLIER_TOKENS, testSetup, type TestHub } from './support/hub.ts';

const URLS = {
  notifyUrl: 'http://127.0.0.1:9/events',
  prompt: 'http://127.0.0.1:9/prompt',
  flaky: 'http://127.0.0.1:9/flaky',
};
const EVERYTHING = [
  'retailer',
  'channel storefront',
  'supplier prompt',
  'supplier flaky',
  'product MUG-BLUE',
  'product TEE-RED-M',
  'product LAMP-OAK',
];
const TABLES = ['settings', 'channels', 'suppliers', 'products', 'variants', 'offers'] as const;

/** A fresh copy of the test setup as plain JSON, to change freely. */
const baseDoc = (): any => JSON.parse(JSON.stringify(testSetup(URLS)));
const sorted = (items: string[]) => [...items].sort();

describeEachDatabase(
  'POST /api/v1/setup: idempotent, all or nothing, and a wrong document names its field',
  (dialect) => {
    let t: TestHub;
    beforeEach(async () => {
      t = await startTestHub(dialect);
    });
    afterEach(async () => {
      await t?.close();
    });

    const apply = (doc: unknown, query = '') => t.api(`/api/v1/setup${query}`, { body: doc });

    /** Every row of every setup table, in a stable order: "nothing changed" means this is equal before and after. */
    async function snapshot() {
      const db = t.hub.store.db;
      return {
        settings: await db.selectFrom('settings').selectAll().orderBy('key').execute(),
        channels: await db.selectFrom('channels').selectAll().orderBy('id').execute(),
        suppliers: await db.selectFrom('suppliers').selectAll().orderBy('id').execute(),
        products: await db.selectFrom('products').selectAll().orderBy('id').execute(),
        variants: await db.selectFrom('variants').selectAll().orderBy('sku').execute(),
        offers: await db.selectFrom('offers').selectAll().orderBy('sku').orderBy('supplier_id').execute(),
      };
    }
    async function counts() {
      const s = await snapshot();
      return Object.fromEntries(TABLES.map((table) => [table, s[table].length]));
    }
    async function offerCost(sku: string, supplierId: string) {
      const products = (await t.api('/api/v1/products')).body.products;
      return products.find((p: any) => p.sku === sku)?.offers.find((o: any) => o.supplierId === supplierId)
        ?.cost.amount;
    }

    it('the first apply creates everything and reports it', async () => {
      const answer = await apply(baseDoc());
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(sorted(answer.body.created)).toEqual(sorted(EVERYTHING));
      expect(answer.body).toMatchObject({ updated: [], unchanged: [], dryRun: false });

      expect(await counts()).toEqual({
        settings: 1,
        channels: 1,
        suppliers: 2,
        products: 3,
        variants: 3,
        offers: 4,
      });
      const products = (await t.api('/api/v1/products')).body.products;
      expect(products.map((p: any) => p.sku)).toEqual(['LAMP-OAK', 'MUG-BLUE', 'TEE-RED-M']);
      expect(
        products
          .find((p: any) => p.sku === 'TEE-RED-M')
          .offers.map((o: any) => [o.supplierId, o.cost.amount, o.priority]),
      ).toEqual([
        ['flaky', 700, 1],
        ['prompt', 900, 2],
      ]);
      expect((await t.api('/api/v1/suppliers')).body.suppliers.map((s: any) => s.id)).toEqual([
        'flaky',
        'prompt',
      ]);
    });

    it('the same document again changes nothing and reports everything unchanged', async () => {
      expect((await apply(baseDoc())).status).toBe(200);
      const before = await snapshot();
      const again = await apply(baseDoc());
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ created: [], updated: [], dryRun: false });
      expect(sorted(again.body.unchanged)).toEqual(sorted(EVERYTHING));
      // Not even a re-encryption of the secrets or a touched updated_at.
      expect(await snapshot()).toEqual(before);
    });

    it('a changed product cost reports exactly that product updated, and the new cost is in effect', async () => {
      expect((await apply(baseDoc())).status).toBe(200);
      const doc = baseDoc();
      doc.products[0].offers[0].cost.amount = 475;
      const answer = await apply(doc);
      expect(answer.status).toBe(200);
      expect(answer.body.created).toEqual([]);
      expect(answer.body.updated).toEqual(['product MUG-BLUE']);
      expect(sorted(answer.body.unchanged)).toEqual(
        sorted(EVERYTHING.filter((e) => e !== 'product MUG-BLUE')),
      );
      expect(await offerCost('MUG-BLUE', 'prompt')).toBe(475);
    });

    it('a changed secret is an update (secrets are compared, though they are stored encrypted)', async () => {
      expect((await apply(baseDoc())).status).toBe(200);
      const doc = baseDoc();
      doc.suppliers[0].transport.signingSecret = `${SECRETS.prompt}-rotated`;
      const answer = await apply(doc);
      expect(answer.body.updated).toEqual(['supplier prompt']);
      expect(answer.body.created).toEqual([]);
    });

    it('?dryRun=true reports the change and changes nothing; without it (or with dryRun=false) the change is applied', async () => {
      expect((await apply(baseDoc())).status).toBe(200);
      const before = await snapshot();
      const doc = baseDoc();
      doc.products[0].offers[0].cost.amount = 475;
      doc.products.push({ sku: 'NEW-ONE', name: 'New one', offers: [] });

      const dry = await apply(doc, '?dryRun=true');
      expect(dry.status).toBe(200);
      expect(dry.body).toMatchObject({
        dryRun: true,
        created: ['product NEW-ONE'],
        updated: ['product MUG-BLUE'],
      });
      expect(await snapshot()).toEqual(before);
      expect(await offerCost('MUG-BLUE', 'prompt')).toBe(450);

      const real = await apply(doc, '?dryRun=false');
      expect(real.status).toBe(200);
      expect(real.body).toMatchObject({
        dryRun: false,
        created: ['product NEW-ONE'],
        updated: ['product MUG-BLUE'],
      });
      expect(await offerCost('MUG-BLUE', 'prompt')).toBe(475);
    });

    it('a dry run of a first apply reports everything as to be created and creates nothing', async () => {
      const dry = await apply(baseDoc(), '?dryRun=true');
      expect(dry.status).toBe(200);
      expect(sorted(dry.body.created)).toEqual(sorted(EVERYTHING));
      expect(await counts()).toEqual({
        settings: 0,
        channels: 0,
        suppliers: 0,
        products: 0,
        variants: 0,
        offers: 0,
      });
    });

    /** Each wrong document: what to break, and the field the answer must name. */
    const WRONG: { what: string; field: string; status?: number; change(doc: any): void }[] = [
      {
        what: 'a transport URL that is not a URL',
        field: 'suppliers[1].transport.url',
        change: (d) => (d.suppliers[1].transport.url = 'not a url'),
      },
      {
        what: 'an offer from an unknown supplier',
        field: 'products[0].offers[0].supplier',
        change: (d) => (d.products[0].offers[0].supplier = 'nobody'),
      },
      {
        what: "an offer cost in another currency than the supplier's",
        field: 'products[0].offers[0].cost.currency',
        change: (d) => (d.products[0].offers[0].cost.currency = 'EUR'),
      },
      {
        what: 'a GTIN with a wrong check digit',
        field: 'products[2].gtin',
        change: (d) => (d.products[2].gtin = '4006381333932'),
      },
      { what: 'an unknown top-level key', field: 'extraneous', change: (d) => (d.extraneous = true) },
      {
        what: 'an unknown nested key',
        field: 'suppliers[0]',
        change: (d) => (d.suppliers[0].colour = 'blue'),
      },
      { what: 'a wrong apiVersion', field: 'apiVersion', change: (d) => (d.apiVersion = 'waybill/v2') },
      {
        what: 'a channel id with capitals and spaces',
        field: 'channels[0].id',
        change: (d) => (d.channels[0].id = 'Store Front'),
      },
      {
        what: 'a notifyUrl without a notifySecret',
        field: 'channels[0].notifySecret',
        change: (d) => delete d.channels[0].notifySecret,
      },
      {
        what: 'a supplier token that is too short',
        field: 'suppliers[0].apiToken',
        change: (d) => (d.suppliers[0].apiToken = 'short'),
      },
      {
        what: 'a negative cost',
        field: 'products[1].offers[1].cost.amount',
        change: (d) => (d.products[1].offers[1].cost.amount = -1),
      },
      {
        what: 'two products with one GTIN',
        field: 'products[2].gtin',
        change: (d) => (d.products[1].gtin = d.products[2].gtin),
      },
      {
        what: 'two offers of one product from one supplier',
        field: 'products[0].offers[1].supplier',
        change: (d) =>
          d.products[0].offers.push({ ...d.products[0].offers[0], supplierSku: 'P-MUG-2', priority: 2 }),
      },
      {
        what: 'two suppliers with one API token',
        field: 'suppliers[1].apiToken',
        change: (d) => (d.suppliers[1].apiToken = SUPPLIER_TOKENS.prompt),
      },
      {
        what: 'one SKU named twice',
        field: 'products[1].sku',
        change: (d) => (d.products[1].sku = d.products[0].sku),
      },
      {
        what: 'one supplier id named twice',
        field: 'suppliers[1].id',
        change: (d) => (d.suppliers[1].id = d.suppliers[0].id),
      },
    ];

    function expectRefused(answer: { status: number; body: any; headers: Headers }, field: string) {
      expect(answer.status, JSON.stringify(answer.body)).toBeGreaterThanOrEqual(400);
      expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(500);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      expect(answer.body.detail, JSON.stringify(answer.body)).toContain(field);
    }

    it('a wrong document on an empty hub is refused naming the field, and nothing at all is created', async () => {
      for (const wrong of WRONG) {
        const doc = baseDoc();
        wrong.change(doc);
        const answer = await apply(doc);
        expectRefused(answer, wrong.field);
        expect(await counts(), wrong.what).toEqual({
          settings: 0,
          channels: 0,
          suppliers: 0,
          products: 0,
          variants: 0,
          offers: 0,
        });
      }
    });

    it('a wrong document is refused as a whole: its valid changes are not applied either', async () => {
      expect((await apply(baseDoc())).status).toBe(200);
      const before = await snapshot();
      for (const wrong of WRONG) {
        const doc = baseDoc();
        // Valid changes beside the wrong one: a renamed channel, a new supplier, a new product, a changed cost.
        doc.retailer.name = 'Renamed Retailer';
        doc.channels[0].name = 'Renamed storefront';
        doc.suppliers.push({
          id: 'third',
          name: 'Third',
          currency: 'USD',
          transport: {
            kind: 'rest-json',
            url: 'http://127.0.0.1:9/third',
            signingSecret: 'third-signing-secret-0000001',
          },
        });
        doc.products.push({
          sku: 'NEW-ONE',
          name: 'New one',
          offers: [{ supplier: 'third', supplierSku: 'T-1', cost: { amount: 100, currency: 'USD' } }],
        });
        doc.products[1].offers[0].cost.amount = 701;
        wrong.change(doc);
        const answer = await apply(doc);
        expectRefused(answer, wrong.field);
        expect(await snapshot(), wrong.what).toEqual(before);
      }
      // A clash with what is stored but not named in the document is refused the same way.
      const otherProduct = {
        apiVersion: 'waybill/v1',
        products: [{ sku: 'OTHER', name: 'Other', gtin: '4006381333931' }],
      };
      expectRefused(await apply(otherProduct), 'products[0].gtin');
      const otherSupplier = {
        apiVersion: 'waybill/v1',
        suppliers: [
          {
            id: 'copycat',
            name: 'Copycat',
            currency: 'USD',
            apiToken: SUPPLIER_TOKENS.flaky,
            transport: {
              kind: 'rest-json',
              url: 'http://127.0.0.1:9/c',
              signingSecret: 'copycat-signing-secret-00001',
            },
          },
        ],
      };
      expectRefused(await apply(otherSupplier), 'suppliers[0].apiToken');
      expect(await snapshot()).toEqual(before);

      // And the same valid changes without the wrong one do apply (so the checks above could have seen them).
      const doc = baseDoc();
      doc.channels[0].name = 'Renamed storefront';
      const answer = await apply(doc);
      expect(answer.body.updated).toEqual(['channel storefront']);
    });

    it('prices per channel: stored, changed only when they change, queued for a price sync; a wrong one names its field', async () => {
      const doc = baseDoc();
      doc.products[0].prices = [
        { channel: 'storefront', amount: 1299, currency: 'USD', compareAtAmount: 1599 },
      ];
      expect((await apply(doc)).status).toBe(200);
      const prices = () =>
        t.hub.store.db
          .selectFrom('channel_prices')
          .select(['channel_id', 'sku', 'amount', 'compare_at_amount', 'currency'])
          .execute();
      expect(await prices()).toEqual([
        { channel_id: 'storefront', sku: 'MUG-BLUE', amount: 1299, compare_at_amount: 1599, currency: 'USD' },
      ]);
      const syncs = () =>
        t.hub.store.db
          .selectFrom('jobs')
          .select('payload')
          .where('kind', '=', 'channel.price-sync')
          .execute();
      expect(await syncs()).toHaveLength(1);

      const again = await apply(doc);
      expect(again.body.unchanged).toContain('product MUG-BLUE');
      expect(await syncs()).toHaveLength(1);

      doc.products[0].prices[0].amount = 1199;
      const repriced = await apply(doc);
      expect(repriced.body.updated).toEqual(['product MUG-BLUE']);
      expect((await prices())[0]!.amount).toBe(1199);
      expect(await syncs()).toHaveLength(2);

      const before = await prices();
      for (const [change, field, detail] of [
        [{ currency: 'EUR' }, 'products[0].prices[0].currency', "must be the channel's currency USD"],
        [{ channel: 'nowhere' }, 'products[0].prices[0].channel', 'no channel nowhere'],
        [{ compareAtAmount: 1000 }, 'products[0].prices[0].compareAtAmount', 'must be more than amount'],
        [{ amount: 12.5 }, 'products[0].prices[0].amount', ''],
      ] as const) {
        const bad = baseDoc();
        bad.products[0].prices = [
          Object.assign({ channel: 'storefront', amount: 1299, currency: 'USD' }, change),
        ];
        const answer = await apply(bad);
        expectRefused(answer, field);
        expect(answer.body.detail).toContain(detail);
      }
      expect(await prices()).toEqual(before);
    });

    it('an allocation and the public URL are kept, and shown with the channel; an allocation needs exactly one of cap and share', async () => {
      const doc = baseDoc();
      doc.publicUrl = 'https://hub.example.com/';
      doc.channels[0].allocation = { sharePercent: 40 };
      expect((await apply(doc)).status).toBe(200);
      const { body } = await t.api('/api/v1/channels');
      expect(body.channels[0]).toMatchObject({
        id: 'storefront',
        allocation: { sharePercent: 40 },
        backorderPolicy: 'accept',
        webhooks: null,
      });
      expect(
        await t.hub.store.db
          .selectFrom('settings')
          .select('value')
          .where('key', '=', 'hub.publicUrl')
          .executeTakeFirst(),
      ).toEqual({ value: 'https://hub.example.com' });

      doc.channels[0].allocation = { cap: 3, sharePercent: 40 };
      expectRefused(await apply(doc), 'channels[0].allocation.cap');
      expect((await t.api('/api/v1/channels')).body.channels[0].allocation).toEqual({ sharePercent: 40 });
    });
  },
);
