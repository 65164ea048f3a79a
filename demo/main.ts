import { Command } from 'commander';
import { runDemo } from './demo.ts';

/**
 * `npm run demo`: the quick start. Waybill on an embedded database with simulated channels, suppliers and carrier
 * around it (the simulators are for the demo and the tests only: Waybill itself never imports them).
 */
const program = new Command('waybill-demo')
  .description(
    'the quick start: a simulated storefront, Shopify store, WooCommerce store and eBay seller and three suppliers (EDI X12 over SFTP, REST/JSON, email) push orders through the whole lifecycle',
  )
  .option(
    '--once',
    'run the scenario, print the summary, exit 0 when every order reached its expected end state',
  )
  .option('--orders <n>', 'how many orders', '240')
  .action(async (opts: { once?: boolean; orders: string }) => {
    process.exitCode = await runDemo({ once: opts.once ?? false, orders: Number(opts.orders) });
  });

await program.parseAsync(process.argv);
