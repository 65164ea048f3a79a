import { transportKind } from '../supplier-transport.ts';
import { checkEmailEntry, emailConfig, emailSecrets } from './credentials.ts';
import { cancelMail, purchaseOrderMail } from './map.ts';
import { renderPurchaseOrderPdf } from './po-pdf.ts';
import { deliver, verifyServer } from './transport.ts';

/**
 * Suppliers who read email: the PO goes through the retailer's SMTP server, in the retailer's name, as text and HTML
 * with the PO attached as PDF and CSV, and a signed link to the PO in the supplier portal, where the supplier
 * acknowledges and ships (docs/email-transport.md). A withdrawal is an email too; the portal already refuses answers
 * on the withdrawn PO, so the answer is always `cancelled`.
 *
 * @example
 * const transport = email.open({ id: 'acme', currency: 'USD' }, { host: 'smtp.retailer.example', fromAddress: 'orders@retailer.example',
 *   to: ['orders@acme.example'] }, { smtpUser: 'orders', smtpPassword: '…' }, services);
 * await transport.send(po, { signal, now: new Date() });
 */
export const email = transportKind({
  kind: 'email',
  label: 'Email (SMTP) with a portal link',
  config: emailConfig,
  secrets: emailSecrets,
  check: checkEmailEntry,
  create: (config, secrets, _supplier, services) => ({
    send: async (po, options) => {
      const [link, pdf] = await Promise.all([services.portalLink(po.poNumber), renderPurchaseOrderPdf(po)]);
      const from = { name: config.fromName ?? po.brand, address: config.fromAddress };
      await deliver(config, secrets, from, purchaseOrderMail(po, link, config.fromAddress, pdf), options);
    },
    cancel: async (message, options) => {
      const from = { name: config.fromName, address: config.fromAddress };
      await deliver(config, secrets, from, cancelMail(message, config.fromAddress), options);
      return 'cancelled';
    },
  }),
  test: (config, secrets, options) => verifyServer(config, secrets, options),
});
