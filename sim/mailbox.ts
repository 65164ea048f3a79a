/**
 * A supplier's mailbox: an SMTP server on 127.0.0.1 (the `smtp-server` package) that takes the email transport's
 * messages and hands each one to a callback, with what a simulated supplier needs to answer it: the message parsed
 * (postal-mime), the portal link found in it, and a session opened with that link against the hub. For the demo and
 * the tests only.
 *
 * @example
 * const mailbox = await startMailbox({
 *   onMessage: async (message) => {
 *     const mail = await readMail(message.raw);
 *     if (waybillHeader(mail, 'x-waybill-type') !== 'purchase-order') return;
 *     const portal = await followPortalLink(portalLinkIn(mail));
 *     const { status } = await portal.call('POST', `/supplier-api/v1/purchase-orders/${portal.poNumber}/acknowledgement`, { lines });
 *   },
 * });
 * // the supplier's transport: { kind: 'email', host: '127.0.0.1', port: mailbox.port, requireTLS: false, … }
 */
import { SMTPServer } from 'smtp-server';
import PostalMime, { type Email } from 'postal-mime';

/** One message as the server took it: the envelope and the raw bytes (RFC 5322), exactly as they came. */
export interface MailboxMessage {
  from: string;
  to: string[];
  raw: Buffer;
}

/** An SMTP reply that refuses instead of taking (451: try later; 550: mailbox unknown). */
export interface SmtpRefusal {
  code: number;
  message: string;
}

export interface MailboxOptions {
  /** Called with each message taken (after the server answered 250). */
  onMessage?: (message: MailboxMessage) => void | Promise<void>;
  /** Require SMTP AUTH with these credentials; without it no login is asked for (and any is taken). */
  login?: { user: string; password: string };
  /**
   * Decides, before a message is taken, whether to refuse it instead: at RCPT TO (per recipient) or after DATA.
   * `attempt` counts the messages that reached that stage before, from 0.
   */
  refuse?: (stage: 'rcpt' | 'data', attempt: number, recipient?: string) => SmtpRefusal | null;
}

export interface Mailbox {
  host: string;
  port: number;
  /** Every message taken, in order. */
  messages: MailboxMessage[];
  close(): Promise<void>;
}

export async function startMailbox(options: MailboxOptions = {}): Promise<Mailbox> {
  const messages: MailboxMessage[] = [];
  const seen = { rcpt: 0, data: 0 };
  const refusal = (r: SmtpRefusal) => Object.assign(new Error(r.message), { responseCode: r.code });
  const server = new SMTPServer({
    // Plain SMTP on loopback: no certificate to make, and AUTH over it allowed since nothing leaves the machine.
    disabledCommands: options.login ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    allowInsecureAuth: true,
    authOptional: !options.login,
    logger: false,
    size: 20 * 1024 * 1024,
    onAuth(auth, _session, callback) {
      const login = options.login;
      if (login && auth.username === login.user && auth.password === login.password)
        return callback(null, { user: auth.username });
      callback(Object.assign(new Error('authentication failed'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, callback) {
      const refused = options.refuse?.('rcpt', seen.rcpt++, address.address);
      callback(refused ? refusal(refused) : null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const refused = options.refuse?.('data', seen.data++);
        if (refused) return callback(refusal(refused));
        const message: MailboxMessage = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        };
        messages.push(message);
        callback(null);
        void Promise.resolve(options.onMessage?.(message)).catch(() => undefined);
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.on('error', reject);
    const listening = server.listen(0, '127.0.0.1', () => {
      const address = listening.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
  return {
    host: '127.0.0.1',
    port,
    messages,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Connections left open (a test that stopped a client halfway) must not hold the close for its 30 s.
        for (const connection of server.connections) (connection as { close?: () => void }).close?.();
      }),
  };
}

/** The message parsed: headers, addresses, text and HTML parts, attachments as bytes. */
export function readMail(raw: Buffer): Promise<Email> {
  return PostalMime.parse(raw, { attachmentEncoding: 'arraybuffer' });
}

/** A header's value (names are matched lower-case: `x-waybill-po`, `x-waybill-type`). */
export function waybillHeader(mail: Email, name: string): string | undefined {
  return mail.headers.find((h) => h.key === name.toLowerCase())?.value;
}

/**
 * A header of a raw message, read without parsing the rest (unfolded, first occurrence): enough for a sorting rule
 * or a synchronous count (`X-Waybill-PO`, `X-Waybill-Type`).
 */
export function rawHeader(raw: Buffer, name: string): string | undefined {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw
    .subarray(0, end < 0 ? raw.length : end)
    .toString('utf8')
    .replace(/\r\n[ \t]+/g, ' ');
  const line = head.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

/** The portal link in a PO email's text part. */
export function portalLinkIn(mail: Email): string {
  const link = mail.text?.match(/https?:\/\/\S+\/portal\/link#token=[\w-]+/)?.[0];
  if (!link) throw new Error(`no portal link in the email "${mail.subject ?? ''}"`);
  return link;
}

/** A portal session opened with a link: its PO, and calls to the hub with its cookie and CSRF token. */
export interface PortalSession {
  poNumber: string;
  /** The portal page of the PO (the link page goes there). */
  location: string;
  cookie: string;
  csrfToken: string;
  /** A call to the hub as the portal makes it (cookie and CSRF token), and the hub's answer. */
  call(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }>;
}

/**
 * Does what the portal's link page does: posts the token from the link's fragment, keeps the session cookie.
 * Throws with the hub's problem when the link is refused (unknown or expired: 401).
 */
export async function followPortalLink(link: string): Promise<PortalSession> {
  const url = new URL(link);
  const token = new URLSearchParams(url.hash.slice(1)).get('token') ?? '';
  const response = await fetch(new URL('/api/v1/session/portal-link', url.origin), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (!response.ok)
    throw new Error(`the portal link was refused: ${response.status} ${await response.text()}`);
  const session = (await response.json()) as { poNumber: string; location: string; csrfToken: string };
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0]!;
  return {
    ...session,
    cookie,
    call: async (method, path, body) => {
      const answer = await fetch(new URL(path, url.origin), {
        method,
        headers: {
          cookie,
          'x-csrf-token': session.csrfToken,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await answer.text();
      return { status: answer.status, body: text ? (JSON.parse(text) as unknown) : undefined };
    },
  };
}
