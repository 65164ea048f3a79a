import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  openSftpFolder,
  SftpFolderError,
  type SftpFolder,
  type SftpFolderSettings,
} from '../../../infra/sftp-folder.ts';
import type { ConnectionTestResult } from '../../shared/connection-test.ts';
import type { SetupProblem } from '../../shared/setup-fields.ts';
import type { SettledFile } from '../supplier-transport.ts';

/**
 * The settings every transport that trades files with a supplier over SFTP shares (EDI X12, CSV): where the server
 * is, the supplier's folders, and how long to wait. Each transport spreads these into its own `config`.
 *
 * The folders are named from the supplier's side, as trading partners name them: `toSupplier` is where Waybill puts
 * purchase orders (and replies such as 997s), `fromSupplier` where the supplier puts its answers; taken answers go to
 * `archive`, refused ones to `refused`.
 */
export const sftpExchangeConfig = {
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(22),
  username: z.string().min(1),
  /** The server's host key as OpenSSH prints it (`SHA256:…`); any other key is refused. */
  hostKeySha256: z.string().min(1).optional(),
  toSupplier: z.string().min(1).default('in'),
  fromSupplier: z.string().min(1).default('out'),
  archive: z.string().min(1).default('archive'),
  refused: z.string().min(1).default('refused'),
  readyTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  operationTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
};

/** The login: a private key (OpenSSH or PEM) or a password. Sealed at rest. */
export const sftpExchangeSecrets = {
  privateKey: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
};

type ExchangeConfig = z.output<z.ZodObject<typeof sftpExchangeConfig>>;
type ExchangeSecrets = z.output<z.ZodObject<typeof sftpExchangeSecrets>>;

/** For the transport's `check`: one of the two logins is needed. */
export function checkSftpLogin(entry: ExchangeSecrets): SetupProblem | null {
  return entry.privateKey === undefined && entry.password === undefined
    ? { field: 'privateKey', message: 'give a privateKey or a password for the SFTP login' }
    : null;
}

/** A supplier's file as read from its folder, with what the ledger keys it by. */
export interface FetchedFile {
  name: string;
  size: number;
  sha256: string;
  bytes: Buffer;
}

/** Files read in one look at most, so one look stays bounded whatever the supplier left there. */
const FILES_PER_LOOK = 500;
/** A folder kept open this long after its last use: sends in a burst share one SSH session. */
const IDLE_CLOSE_MS = 5_000;

/**
 * A supplier's SFTP folders, as one transport uses them: uploads (atomic: a dot-name, then a rename), its answer
 * files, and putting them away. The folder Waybill writes to stays open between uploads for a few seconds, so a burst
 * of purchase orders shares one SSH session; a failed operation closes it (its state on the server is unknown), and
 * the next opens a new one.
 *
 * @example
 * const exchange = new SftpExchange(config, secrets);
 * await exchange.upload('PO-1.850.x12', bytes);
 * const files = await exchange.fetch((name) => name.endsWith('.x12'));
 */
export class SftpExchange {
  #outbox: Promise<SftpFolder> | undefined;
  #idle: NodeJS.Timeout | undefined;
  /** Uploads started and not yet settled on the open folder. */
  #inFlight = 0;

  constructor(
    private readonly config: ExchangeConfig,
    private readonly secrets: ExchangeSecrets,
  ) {}

  settings(folder: string): SftpFolderSettings {
    const { host, port, username, hostKeySha256, readyTimeoutMs, operationTimeoutMs } = this.config;
    return {
      host,
      port,
      username,
      folder,
      readyTimeoutMs,
      operationTimeoutMs,
      ...(hostKeySha256 !== undefined && { hostKeySha256 }),
      ...(this.secrets.privateKey !== undefined && { privateKey: this.secrets.privateKey }),
      ...(this.secrets.password !== undefined && { password: this.secrets.password }),
    };
  }

  /** Writes `name` into the supplier's inbox so that it never sees half of it. */
  async upload(name: string, bytes: Buffer): Promise<void> {
    await this.#withOutbox((folder) => folder.putAtomic(name, bytes));
  }

  /**
   * The supplier's answer files that `accept` names, oldest first, read whole and hashed: at most 500 a look, and
   * `more` set when others wait (the transport passes it on, so Waybill looks again at once).
   */
  async fetch(accept: (name: string) => boolean): Promise<FetchedFile[] & { more: boolean }> {
    const inbox = await openSftpFolder(this.settings(this.config.fromSupplier));
    try {
      const accepted = (await inbox.list()).filter((f) => accept(f.name));
      const files = Object.assign([] as FetchedFile[], { more: accepted.length > FILES_PER_LOOK });
      for (const { name } of accepted.slice(0, FILES_PER_LOOK)) {
        const bytes = await inbox.read(name);
        files.push({
          name,
          size: bytes.length,
          sha256: createHash('sha256').update(bytes).digest('hex'),
          bytes,
        });
      }
      return files;
    } finally {
      await inbox.close();
    }
  }

  /**
   * Each file's reply written to the supplier's inbox, then the file moved to the archive (taken, duplicate) or to
   * the refused folder. A file no longer there was put away by an earlier look that did not live to record it.
   */
  async settle(files: readonly SettledFile[]): Promise<void> {
    for (const file of files) if (file.reply) await this.upload(file.reply.name, file.reply.bytes);
    if (files.length === 0) return;
    const inbox = await openSftpFolder(this.settings(this.config.fromSupplier));
    try {
      for (const file of files)
        await inbox
          .moveTo(file.name, file.outcome === 'refused' ? this.config.refused : this.config.archive)
          .catch((error: unknown) => {
            // Gone already: an earlier look put it away and did not live to record it.
            if (!(error instanceof SftpFolderError && error.code === 'not-found')) throw error;
          });
    } finally {
      await inbox.close();
    }
  }

  /** The connection test: both folders open. Returns the host key seen, to pin. */
  async test(): Promise<{ hostKeySha256: string }> {
    const outbox = await openSftpFolder(this.settings(this.config.toSupplier));
    try {
      const inbox = await openSftpFolder(this.settings(this.config.fromSupplier));
      await inbox.close();
      return { hostKeySha256: outbox.hostKeySha256 };
    } finally {
      await outbox.close();
    }
  }

  /** Closes the folder kept open for uploads. */
  async close(): Promise<void> {
    clearTimeout(this.#idle);
    const open = this.#outbox;
    this.#outbox = undefined;
    if (open) await open.then((f) => f.close()).catch(() => undefined);
  }

  async #withOutbox<T>(work: (folder: SftpFolder) => Promise<T>): Promise<T> {
    clearTimeout(this.#idle);
    this.#outbox ??= openSftpFolder(this.settings(this.config.toSupplier));
    const opened = this.#outbox;
    this.#inFlight++;
    try {
      return await work(await opened);
    } catch (error) {
      if (this.#outbox === opened) this.#outbox = undefined;
      await opened.then((f) => f.close()).catch(() => undefined);
      throw error;
    } finally {
      // Closed when idle, never under work still queued on it: the timer is armed by the last one out.
      if (--this.#inFlight === 0 && this.#outbox === opened) {
        clearTimeout(this.#idle);
        this.#idle = setTimeout(() => void this.close(), IDLE_CLOSE_MS);
        this.#idle.unref();
      }
    }
  }
}

/**
 * The connection test of a file transport: both folders open with these settings and login. Names the host key seen
 * (to pin it), or why it failed in the connection test's terms.
 */
export async function testSftpExchange(
  config: ExchangeConfig,
  secrets: ExchangeSecrets,
): Promise<ConnectionTestResult> {
  const exchange = new SftpExchange(config, secrets);
  try {
    const { hostKeySha256 } = await exchange.test();
    return {
      ok: true,
      detail: `signed in to ${config.host}:${config.port}; folders ${config.toSupplier} and ${config.fromSupplier} open; host key ${hostKeySha256}`,
    };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    if (!(error instanceof SftpFolderError)) return { ok: false, reason: 'unreachable', detail };
    switch (error.code) {
      case 'auth-failed':
        return { ok: false, reason: 'unauthorized', detail };
      case 'not-found':
        return { ok: false, reason: 'not_configured', detail };
      case 'unreachable':
      case 'timeout':
      case 'closed':
        return { ok: false, reason: 'unreachable', detail };
      default:
        return { ok: false, reason: 'refused', detail };
    }
  } finally {
    await exchange.close();
  }
}
