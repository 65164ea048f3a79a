import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Command, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { applySetup } from '../app/apply-setup.ts';
import { createApiKey, ROLES, type Role } from '../app/api-keys.ts';
import { AppError, InputError } from '../app/errors.ts';
import { importFeed } from '../app/import-feed.ts';
import { describeFeedImport } from '../app/feed-report.ts';
import { EnvMissingError, interpolateEnv, setupDocument, type SetupDocument } from '../app/setup-document.ts';
import { testChannelConnection, testSupplierConnection } from '../app/test-connection.ts';
import { parseInput } from '../app/validation.ts';
import { createUser, issueSignInLink } from '../app/users.ts';
import { createHub, type Hub } from '../hub.ts';
import { migrateToLatest } from '../store/migrate.ts';
import { DEFAULT_DATABASE_URL, openStore } from '../store/store.ts';
import { getSetting } from '../store/partners.repo.ts';

const program = new Command('waybill').description('Waybill, the drop-ship order hub').showHelpAfterError();
const databaseUrl = () => process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;

program
  .command('start')
  .description('the hub: API and workers in one process')
  .option('--no-worker', 'serve the API only (run `waybill worker` processes beside it)')
  .action(async (opts: { worker: boolean }) => {
    const hub = await createHub({ worker: opts.worker });
    const url = await hub.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? '127.0.0.1');
    console.log(`Waybill listening on ${url} (API docs ${url}/docs)${opts.worker ? ', worker running' : ''}`);
    stopOnSignal(hub);
  });

program
  .command('worker')
  .description('a worker process only: runs queued jobs (send POs, notify channels, timers)')
  .action(async () => {
    const hub = await createHub({ worker: true, http: false });
    console.log('Waybill worker running');
    stopOnSignal(hub);
  });

program
  .command('migrate')
  .description('apply database migrations')
  .action(async () => {
    const store = await openStore(databaseUrl());
    const applied = await migrateToLatest(store.db);
    await store.close();
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  });

program
  .command('apply')
  .description('create or update channels, suppliers, products and offers from a setup file; idempotent')
  .argument('<file>', 'the setup file (YAML), see docs/setup-file.md')
  .option('--dry-run', 'show what would change, change nothing')
  .option('--test', "then test each channel's and supplier's connection; exit 1 if one fails")
  .action(async (file: string, opts: { dryRun?: boolean; test?: boolean }) => {
    const doc = readSetupFile(file);
    const hub = await createHub({ worker: false, http: false, migrate: true, logLevel: 'warn' });
    try {
      const report = await applySetup(hub.ctx, doc, { dryRun: opts.dryRun ?? false });
      const line = (label: string, items: string[]) =>
        items.length && console.log(`${label} (${items.length}): ${items.join(', ')}`);
      line(report.dryRun ? 'would create' : 'created', report.created);
      line(report.dryRun ? 'would update' : 'updated', report.updated);
      console.log(`unchanged: ${report.unchanged.length}`);
      if (opts.test && !report.dryRun) process.exitCode = await testConnections(hub, doc);
    } finally {
      await hub.close();
    }
  });

const feed = program.command('feed').description("suppliers' catalog feeds");
feed
  .command('import')
  .description("import a supplier's feed file by hand: read with its mapping, diffed, applied or quarantined")
  .requiredOption('--supplier <id>', 'the supplier whose feed it is')
  .addOption(new Option('--kind <kind>', "overrides the supplier's setting").choices(['full', 'delta']))
  .argument('<file>', 'the feed file (CSV, JSON or XLSX, as the mapping says)')
  .action(async (file: string, opts: { supplier: string; kind?: 'full' | 'delta' }) => {
    const bytes = readFileSync(file);
    const hub = await createHub({ worker: false, http: false, migrate: true, logLevel: 'warn' });
    try {
      const report = await importFeed(hub.ctx, {
        supplierId: opts.supplier,
        source: 'cli',
        fileName: basename(file),
        bytes,
        kind: opts.kind,
      });
      console.log(describeFeedImport(report));
      // 2: held for an operator; 1: refused. A script can tell them from an applied feed.
      process.exitCode = report.status === 'refused' ? 1 : report.status === 'quarantined' ? 2 : 0;
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      console.error(error.message);
      process.exitCode = 1;
    } finally {
      await hub.close();
    }
  });

const keys = program.command('keys').description('API keys');
keys
  .command('create')
  .description('print a new API key once (only its hash is stored)')
  .addOption(new Option('--role <role>', 'what the key may do').choices(ROLES).makeOptionMandatory())
  .option('--label <label>', 'a note: who or what uses the key')
  .action(async (opts: { role: Role; label?: string }) => {
    const hub = await createHub({ worker: false, http: false, migrate: true, logLevel: 'warn' });
    try {
      const created = await createApiKey(hub.ctx, opts.role, opts.label);
      console.error(`Created ${created.role} key ${created.id}. It is shown once; store it now:`);
      console.log(created.key);
    } finally {
      await hub.close();
    }
  });

const users = program.command('users').description('people who sign in to the web UI');
users
  .command('create')
  .description(
    "create an operator (--role) or a supplier's user (--supplier) and print a one-time sign-in link",
  )
  .requiredOption('--email <email>', 'their email address: what they sign in with')
  .addOption(new Option('--role <role>', 'what an operator may do').choices(ROLES).conflicts('supplier'))
  .option('--supplier <id>', "a supplier's user: the supplier portal, for that supplier only")
  .action(async (opts: { email: string; role?: Role; supplier?: string }) => {
    if (!opts.role === !opts.supplier) {
      console.error('give --role (an operator) or --supplier (a supplier user)');
      process.exitCode = 2;
      return;
    }
    await printSignInLink((hub) =>
      createUser(
        hub.ctx,
        opts.role
          ? { email: opts.email, role: opts.role }
          : { email: opts.email, supplierId: opts.supplier! },
      ),
    );
  });
users
  .command('link')
  .description('print a new one-time sign-in link for a user (a lost password, a lapsed invitation)')
  .requiredOption('--email <email>', 'the user')
  .action((opts: { email: string }) =>
    printSignInLink((hub) => issueSignInLink(hub.ctx, { email: opts.email })),
  );

/** The link in full: the hub's public address (setup `publicUrl`), or where `waybill start` listens by default. */
async function printSignInLink(make: (hub: Hub) => Promise<{ signInPath: string }>): Promise<void> {
  const hub = await createHub({ worker: false, http: false, migrate: true, logLevel: 'warn' });
  try {
    const { signInPath } = await make(hub);
    const base =
      (await getSetting(hub.store.db, 'hub.publicUrl')) ??
      `http://${process.env.HOST ?? '127.0.0.1'}:${process.env.PORT ?? 8080}`;
    console.error('A one-time sign-in link (valid for 72 hours):');
    console.log(`${base.replace(/\/+$/, '')}${signInPath}`);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    console.error(error.message);
    process.exitCode = 1;
  } finally {
    await hub.close();
  }
}

/** Tests every channel and supplier the document names, a line each; 1 when one failed. */
async function testConnections(hub: Hub, doc: SetupDocument): Promise<number> {
  const checks = [
    ...doc.channels.map((c) => ({
      what: `channel ${c.id}`,
      run: () => testChannelConnection(hub.ctx, c.id),
    })),
    ...doc.suppliers.map((s) => ({
      what: `supplier ${s.id}`,
      run: () => testSupplierConnection(hub.ctx, s.id),
    })),
  ];
  const results = await Promise.all(
    checks.map(async (check) => ({ what: check.what, result: await check.run() })),
  );
  for (const { what, result } of results)
    console.log(`test ${what}: ${result.ok ? 'ok' : `FAILED (${result.reason})`}: ${result.detail}`);
  const failed = results.filter((r) => !r.result.ok).length;
  if (failed) console.error(`${failed} of ${results.length} connection tests failed (the setup was applied)`);
  return failed ? 1 : 0;
}

/** Reads, interpolates and validates a setup file; a wrong file is refused with the path of the field. */
function readSetupFile(file: string) {
  try {
    return parseInput(setupDocument, interpolateEnv(parseYaml(readFileSync(file, 'utf8')), process.env));
  } catch (error) {
    if (error instanceof InputError || error instanceof EnvMissingError) fail(`${file}: ${error.message}`);
    if (error instanceof Error && error.name === 'YAMLParseError')
      fail(`${file}: not valid YAML: ${error.message}`);
    throw error;
  }
}

function fail(message: string): never {
  console.error(`error: ${message}\nnothing was applied`);
  process.exit(2);
}

function stopOnSignal(hub: Hub): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: finishing running jobs, then stopping`);
    hub.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

await program.parseAsync(process.argv);
