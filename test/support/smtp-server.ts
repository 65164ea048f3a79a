import type { Email } from 'postal-mime';
import { rawHeader, readMail, startMailbox, type Mailbox, type MailboxOptions } from '../../sim/mailbox.ts';

/** A supplier's SMTP server for a test: every message's raw bytes kept, parsed back on demand. */
export interface TestSmtpServer extends Mailbox {
  /** The email transport's settings that reach this server (plain SMTP on loopback), for these supplier addresses. */
  config(to?: string[]): Record<string, unknown>;
  /** Every message taken so far, parsed (postal-mime). */
  parsed(): Promise<Email[]>;
  /** The PO numbers of the messages of one type taken so far, each once (a resend is the same PO). */
  poNumbers(type: 'purchase-order' | 'purchase-order-cancel'): string[];
}

export const RETAILER_ADDRESS = 'orders@retailer.example';
export const SUPPLIER_ADDRESS = 'orders@supplier.example';

/**
 * Starts the `smtp-server` package on 127.0.0.1 (sim/mailbox.ts), with a login when `options.login` is given and
 * scripted refusals (451, 550) when `options.refuse` says. Close it after the test.
 *
 * @example
 * const smtp = await startSmtpServer({ refuse: (stage, n) => (stage === 'data' && n === 0 ? { code: 451, message: 'try later' } : null) });
 * const transport = email.open({ id: 'acme', currency: 'USD' }, smtp.config(), {}, services);
 */
export async function startSmtpServer(options: MailboxOptions = {}): Promise<TestSmtpServer> {
  const mailbox = await startMailbox(options);
  return {
    ...mailbox,
    config: (to = [SUPPLIER_ADDRESS]) => ({
      host: mailbox.host,
      port: mailbox.port,
      secure: false,
      requireTLS: false,
      fromAddress: RETAILER_ADDRESS,
      to,
      connectionTimeoutMs: 2_000,
      greetingTimeoutMs: 2_000,
      socketTimeoutMs: 5_000,
    }),
    parsed: () => Promise.all(mailbox.messages.map((m) => readMail(m.raw))),
    poNumbers: (type) => [
      ...new Set(
        mailbox.messages
          .filter((m) => rawHeader(m.raw, 'X-Waybill-Type') === type)
          .map((m) => rawHeader(m.raw, 'X-Waybill-PO')!),
      ),
    ],
  };
}
