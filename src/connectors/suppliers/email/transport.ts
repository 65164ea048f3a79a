import { createTransport } from 'nodemailer';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { ConnectionTestResult } from '../../shared/connection-test.ts';
import type { EmailConfig, EmailSecrets } from './credentials.ts';
import type { OutgoingMail } from './map.ts';

// The only place this adapter speaks SMTP (nodemailer: RFC 5321, STARTTLS per RFC 3207, AUTH per RFC 4954).

/** What nodemailer puts on the errors it throws (see its errors.d.ts). */
interface SmtpError extends Error {
  code?: string;
  response?: string;
  responseCode?: number;
  /** nodemailer's reading of the reply: a 5xx (but 503) is refused for good. */
  permanent?: boolean;
  command?: string;
}

/** Failures of the settings themselves: no retry makes them pass. */
const SETUP_CODES = new Set(['ENOAUTH', 'ECONFIG', 'EMAXRECIPIENTS']);
const UNREACHABLE_CODES = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS']);

/** One connection per message (POs are few and far between), closed once it is sent; every wait is bounded. */
function connect(config: EmailConfig, secrets: EmailSecrets) {
  return createTransport({
    host: config.host,
    port: config.port,
    secure: config.secure,
    requireTLS: config.requireTLS,
    connectionTimeout: config.connectionTimeoutMs,
    dnsTimeout: config.connectionTimeoutMs,
    greetingTimeout: config.greetingTimeoutMs,
    socketTimeout: config.socketTimeoutMs,
    ...(secrets.smtpUser !== undefined && {
      auth: { user: secrets.smtpUser, pass: secrets.smtpPassword ?? '' },
    }),
    // Attachments are bytes Waybill made: a path or URL in a message is never read.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
}

/**
 * Sends one email to the supplier's addresses. A connection failure, a timeout or a 4xx reply throws a plain error
 * (the job retries, and the Message-ID makes the resend the same message); a 5xx reply throws PermanentError naming
 * it (550 mailbox unknown will not change by waiting). A message some recipients took is delivered.
 */
export async function deliver(
  config: EmailConfig,
  secrets: EmailSecrets,
  from: { name?: string | undefined; address: string },
  mail: OutgoingMail,
  options: { signal: AbortSignal; now: Date },
): Promise<void> {
  const transporter = connect(config, secrets);
  try {
    await transporter.sendMail({
      from: from.name ? { name: from.name, address: from.address } : from.address,
      to: config.to,
      cc: config.cc,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      attachments: mail.attachments,
      messageId: mail.messageId,
      date: options.now,
      headers: mail.headers,
      signal: options.signal,
    });
  } catch (error) {
    throw smtpFailure(config, error);
  } finally {
    transporter.close();
  }
}

/** The connection test: connect, EHLO, STARTTLS when asked, AUTH when there are credentials. Sends nothing. */
export async function verifyServer(
  config: EmailConfig,
  secrets: EmailSecrets,
  options: { signal: AbortSignal },
): Promise<ConnectionTestResult> {
  const transporter = connect(config, secrets);
  // verify() takes no signal: the test gives up when its signal does, and the connection is closed below.
  let stop = () => {};
  const aborted = new Promise<never>((_, reject) => {
    stop = () => reject(new Error('the connection test was stopped'));
    if (options.signal.aborted) stop();
    options.signal.addEventListener('abort', stop, { once: true });
  });
  try {
    await Promise.race([transporter.verify(), aborted]);
    const login = secrets.smtpUser === undefined ? '' : `, took ${secrets.smtpUser}'s login`;
    return { ok: true, detail: `${where(config)} answered EHLO${login}` };
  } catch (error) {
    const e = error as SmtpError;
    const detail = `${where(config)}: ${e.message}`;
    if (e.code === 'EAUTH') return { ok: false, reason: 'unauthorized', detail };
    if (e.code === undefined || UNREACHABLE_CODES.has(e.code))
      return { ok: false, reason: 'unreachable', detail };
    return { ok: false, reason: 'refused', detail };
  } finally {
    options.signal.removeEventListener('abort', stop);
    transporter.close();
  }
}

/** nodemailer's error as Waybill's: permanent (a 5xx reply, settings that cannot work) or to be retried. */
function smtpFailure(config: EmailConfig, error: unknown): Error {
  const e = error as SmtpError;
  if (e.permanent === true)
    return new PermanentError(
      `SMTP ${where(config)} refused ${e.command ?? 'the message'} for good: ${e.response ?? e.message}`,
      { cause: error },
    );
  if (e.code !== undefined && SETUP_CODES.has(e.code))
    return new PermanentError(`SMTP ${where(config)}: ${e.message}`, { cause: error });
  return new Error(`SMTP ${where(config)}: ${e.message ?? String(error)}`, { cause: error });
}

const where = (config: EmailConfig) => `${config.host}:${config.port}`;
