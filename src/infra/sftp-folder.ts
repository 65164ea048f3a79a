import { createHash } from 'node:crypto';
import { connect as connectTcp, type Socket } from 'node:net';
import { posix } from 'node:path';
import type SftpClient from 'ssh2-sftp-client';

/** Where and how to reach one folder on a supplier's SFTP server. */
export interface SftpFolderSettings {
  host: string;
  port: number;
  username: string;
  /** OpenSSH or PEM private key (secret). */
  privateKey?: string | Buffer;
  /** Secret. */
  password?: string;
  /**
   * The server's host key fingerprint as OpenSSH prints it (`ssh-keygen -lf key.pub`: `SHA256:` + base64, the prefix
   * optional). When given, any other key is refused; when not, any key is accepted and `hostKeySha256` tells it.
   */
  hostKeySha256?: string;
  /** Absolute, or relative to the login folder (e.g. `inbound`). */
  folder: string;
  /** TCP connect, SSH handshake, authentication and the SFTP session together. */
  readyTimeoutMs: number;
  /** Each operation; a timed-out operation closes the connection (its state on the server is unknown). */
  operationTimeoutMs: number;
}

export interface SftpFile {
  name: string;
  size: number;
  /** SFTP (v3) gives whole seconds. */
  modifiedAt: Date;
}

/**
 * One folder of an SFTP server over one connection. Operations run one at a time, in call order (ssh2-sftp-client
 * advises against concurrent ones on a connection). Callers retry; a failed folder should be closed and reopened.
 *
 * @example
 * const inbox = await openSftpFolder({ host, port: 22, username, privateKey, hostKeySha256, folder: 'outbound',
 *   readyTimeoutMs: 10_000, operationTimeoutMs: 30_000 });
 * try {
 *   for (const file of await inbox.list()) {
 *     take(await inbox.read(file.name));
 *     await inbox.moveTo(file.name, 'processed');
 *   }
 * } finally { await inbox.close(); }
 */
export interface SftpFolder {
  /** The server's host key fingerprint, `SHA256:…`, as seen on this connection (to pin it on first use). */
  readonly hostKeySha256: string;
  /** Regular files, oldest first, then by name. Dot-files are left out: by convention uploads still in progress. */
  list(): Promise<SftpFile[]>;
  read(name: string): Promise<Buffer>;
  /**
   * Renames the file into `otherFolder` (relative to this folder, or absolute), which is created if missing. A file
   * of the same name there is replaced (a resent feed must not stay in the inbox for ever).
   */
  moveTo(name: string, otherFolder: string): Promise<void>;
  /** Writes `.name.part`, then renames it to `name` (replacing it): readers never see a partial file under `name`. */
  putAtomic(name: string, bytes: Buffer): Promise<void>;
  /** Always settles, whatever the server does. */
  close(): Promise<void>;
}

export type SftpFailure =
  | 'timeout'
  | 'host-key-mismatch'
  | 'auth-failed'
  | 'unreachable'
  | 'not-found'
  | 'invalid-name'
  | 'closed'
  | 'failed';

/** Names host, folder and file; never a password or key (messages are logged and shown to operators). */
export class SftpFolderError extends Error {
  constructor(
    readonly code: SftpFailure,
    message: string,
  ) {
    super(message);
    this.name = 'SftpFolderError';
  }
}

/** Connects, checks the folder is a directory, and returns it; throws SftpFolderError. */
export async function openSftpFolder(settings: SftpFolderSettings): Promise<SftpFolder> {
  const where = `${settings.host}:${settings.port} (user ${settings.username})`;
  const fail = failure(settings, where);
  const expectedKey = settings.hostKeySha256 ? normalizeFingerprint(settings.hostKeySha256) : undefined;
  let seenKey = '';
  // Our own socket, so a timeout can destroy it: ssh2's end() waits politely on a server that may never answer.
  const socket = connectTcp({ host: settings.host, port: settings.port });
  // No global callbacks: ssh2-sftp-client's defaults print to the console; a later call reports the lost connection.
  // Loaded on the first connection: the SSH stack is a good part of a process's memory, and most hubs never pull.
  const { default: Client } = await import('ssh2-sftp-client');
  const client = new Client('sftp', {});
  try {
    await withTimeout(
      client.connect({
        sock: socket,
        username: settings.username,
        privateKey: settings.privateKey,
        password: settings.password,
        readyTimeout: 0, // ours below covers the whole connect, the TCP part included
        hostVerifier: (key: Buffer) => {
          seenKey = `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
          return expectedKey === undefined || seenKey === expectedKey;
        },
      }),
      settings.readyTimeoutMs,
      () => socket.destroy(),
    );
  } catch (error) {
    socket.destroy();
    if (expectedKey && seenKey && seenKey !== expectedKey)
      throw new SftpFolderError(
        'host-key-mismatch',
        `SFTP ${where}: host key ${seenKey} is not the expected ${expectedKey}; refused`,
      );
    throw fail('connect', error);
  }
  const connection = new Connection(client, socket, settings.operationTimeoutMs, fail);
  try {
    const folder = await connection.run('open folder', settings.folder, async () => {
      // realpath resolves a relative folder against the login folder, and gives '' when it does not exist.
      const absolute = await client.realPath(settings.folder);
      if (!absolute || (await client.exists(absolute)) !== 'd')
        throw new SftpFolderError(
          'not-found',
          `SFTP ${where}: folder "${settings.folder}" does not exist (or is not a folder)`,
        );
      return absolute;
    });
    return folderOn(connection, folder, seenKey);
  } catch (error) {
    await connection.close();
    throw error;
  }
}

function folderOn(connection: Connection, folder: string, hostKeySha256: string): SftpFolder {
  const client = connection.client;
  const pathOf = (name: string) => posix.join(folder, plainName(name, folder));
  return {
    hostKeySha256,
    list: () =>
      connection.run('list', folder, async () =>
        (await client.list(folder))
          .filter((entry) => entry.type === '-' && !entry.name.startsWith('.'))
          .map((entry) => ({ name: entry.name, size: entry.size, modifiedAt: new Date(entry.modifyTime) }))
          .sort((a, b) => a.modifiedAt.getTime() - b.modifiedAt.getTime() || compareNames(a.name, b.name)),
      ),
    read: async (name) =>
      connection.run('read', pathOf(name), async () => {
        const bytes = await client.get(pathOf(name));
        if (!Buffer.isBuffer(bytes)) throw new Error('the download gave no bytes');
        return bytes;
      }),
    // async, so that a bad name rejects like every other failure instead of throwing at the call.
    moveTo: async (name, otherFolder) => {
      const target = posix.resolve(folder, otherFolder);
      return connection.run('move', `${pathOf(name)} to ${target}`, async () => {
        await client.mkdir(target, true);
        // posix-rename@openssh.com: atomic, and replaces an existing target, where plain SFTP rename refuses.
        await client.posixRename(pathOf(name), posix.join(target, name));
      });
    },
    putAtomic: async (name, bytes) => {
      const part = posix.join(folder, `.${plainName(name, folder)}.part`);
      return connection.run('upload', pathOf(name), async () => {
        // Readable by the supplier's other accounts, writable by none (ssh2 asks 0666 and trusts the server's umask).
        await client.put(bytes, part, { writeStreamOptions: { mode: 0o644 } });
        await client.posixRename(part, pathOf(name));
      });
    },
    close: () => connection.close(),
  };
}

/** The connection's operations: one at a time, each under the timeout; after a timeout or close(), none. */
class Connection {
  #queue: Promise<unknown> = Promise.resolve();
  #closed: string | undefined;

  constructor(
    readonly client: SftpClient,
    private readonly socket: Socket,
    private readonly timeoutMs: number,
    private readonly fail: (action: string, error: unknown, path?: string) => SftpFolderError,
  ) {
    // ssh2 raises these on the connection only when it is gone (an SFTP refusal goes to the operation's callback).
    // ssh2-sftp-client then just forgets the session: say why at the next call instead of "No SFTP connection".
    const lost = () => (this.#closed ??= 'the connection was lost (closed by the server or the network)');
    for (const event of ['error', 'end', 'close']) client.on(event, lost);
  }

  run<T>(action: string, path: string, work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(async () => {
      try {
        if (this.#closed) throw new Closed(this.#closed);
        return await withTimeout(work(), this.timeoutMs, () => {
          this.#closed = `the connection was closed after a ${this.timeoutMs} ms timeout`;
          this.socket.destroy();
        });
      } catch (error) {
        throw error instanceof SftpFolderError ? error : this.fail(action, error, path);
      }
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = 'the folder is closed';
      await withTimeout(this.client.end(), this.timeoutMs, () => undefined).catch(() => undefined);
    }
    this.socket.destroy();
  }
}

/** Our own reasons, so failure() can tell them from the library's errors. */
class TimedOut extends Error {}
class Closed extends Error {}

/** `work`, or a TimedOut rejection after `ms` (having run `onTimeout` to abandon the work). */
async function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new TimedOut(`timed out after ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Turns a library error into an SftpFolderError that names where, with any secret text masked. */
function failure(settings: SftpFolderSettings, where: string) {
  const secrets = [settings.password, ...keyLines(settings.privateKey)].filter(
    (secret): secret is string => !!secret && secret.length >= 4,
  );
  return (action: string, error: unknown, path = settings.folder): SftpFolderError => {
    let detail = error instanceof Error ? error.message : String(error);
    for (const secret of secrets) detail = detail.split(secret).join('***');
    const code = (error as { code?: unknown } | undefined)?.code;
    const message = `SFTP ${action} ${path} on ${where}: ${detail}`;
    if (error instanceof TimedOut) return new SftpFolderError('timeout', message);
    if (error instanceof Closed) return new SftpFolderError('closed', message);
    if (/authentication methods failed/i.test(detail)) return new SftpFolderError('auth-failed', message);
    if (['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH'].includes(String(code)))
      return new SftpFolderError('unreachable', message);
    if (code === 'ENOENT' || code === 2 || /no such file/i.test(detail))
      return new SftpFolderError('not-found', message);
    return new SftpFolderError('failed', message);
  };
}

/** The key's lines, to mask a fragment of it as well as the whole (the base64 body spans several lines). */
function keyLines(key: string | Buffer | undefined): string[] {
  if (!key) return [];
  const text = key.toString('utf8');
  return [text, ...text.split(/\r?\n/).filter((line) => line.length >= 16 && !line.startsWith('-----'))];
}

function normalizeFingerprint(fingerprint: string): string {
  return `SHA256:${fingerprint
    .trim()
    .replace(/^SHA256:/i, '')
    .replace(/=+$/, '')}`;
}

/** A file name of this folder: no path, so a name (often a supplier's) cannot reach outside it. */
function plainName(name: string, folder: string): string {
  if (!name || name === '.' || name === '..' || /[/\\\0]/.test(name))
    throw new SftpFolderError(
      'invalid-name',
      `SFTP file name ${JSON.stringify(name)} in ${folder}: not a plain name`,
    );
  return name;
}

/** Code-point order, the same on every machine (localeCompare depends on the locale). */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
