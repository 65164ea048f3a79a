/**
 * The server side of SFTP version 3 over one SSH channel, serving one local folder as `/`: for the in-process SFTP
 * server of sim/sftp-server.ts (demo and tests only). Written from the protocol's documents, not from a client:
 * draft-ietf-secsh-filexfer-02 (https://datatracker.ietf.org/doc/html/draft-ietf-secsh-filexfer-02), the version
 * OpenSSH speaks, and OpenSSH's PROTOCOL file for `posix-rename@openssh.com` (an atomic rename that replaces the
 * target, as rename(2) does), which Waybill's SFTP client relies on.
 */
import { constants as fsConstants, type Stats } from 'node:fs';
import {
  lstat,
  mkdir,
  open,
  readdir,
  realpath,
  rename,
  rm,
  rmdir,
  stat,
  type FileHandle,
} from 'node:fs/promises';
import { posix, sep } from 'node:path';
import type { Duplex } from 'node:stream';

/** Packet types (section 3). */
const T = {
  INIT: 1,
  VERSION: 2,
  OPEN: 3,
  CLOSE: 4,
  READ: 5,
  WRITE: 6,
  LSTAT: 7,
  FSTAT: 8,
  SETSTAT: 9,
  FSETSTAT: 10,
  OPENDIR: 11,
  READDIR: 12,
  REMOVE: 13,
  MKDIR: 14,
  RMDIR: 15,
  REALPATH: 16,
  STAT: 17,
  RENAME: 18,
  STATUS: 101,
  HANDLE: 102,
  DATA: 103,
  NAME: 104,
  ATTRS: 105,
  EXTENDED: 200,
} as const;

/** Status codes (section 7). */
const S = {
  OK: 0,
  EOF: 1,
  NO_SUCH_FILE: 2,
  PERMISSION_DENIED: 3,
  FAILURE: 4,
  BAD_MESSAGE: 5,
  OP_UNSUPPORTED: 8,
};

/** Open flags (section 6.3). */
const F = { READ: 0x1, WRITE: 0x2, APPEND: 0x4, CREAT: 0x8, TRUNC: 0x10, EXCL: 0x20 };

/** Attribute flags (section 5). */
const A = { SIZE: 0x1, UIDGID: 0x2, PERMISSIONS: 0x4, ACMODTIME: 0x8, EXTENDED: 0x80000000 };

const MAX_PACKET = 256 * 1024;
const MAX_READ = 64 * 1024;

/** A failure answered with a status code other than FAILURE. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Handle = { kind: 'file'; file: FileHandle } | { kind: 'dir'; path: string; entries?: string[] };

/**
 * Serves SFTP on `channel` until it closes. Every path is taken relative to `root` (a chroot done by the path
 * arithmetic: `..` stops at `/`), so a client cannot reach outside the folder.
 *
 * @example
 * session.on('subsystem', (accept, reject, info) => info.name === 'sftp' ? serveSftp(accept(), root) : reject());
 */
export function serveSftp(channel: Duplex, root: string): void {
  const session = new SftpSession(channel, root);
  let pending = Buffer.alloc(0);
  // One request at a time, in arrival order: a write followed by a close must not race.
  let queue = Promise.resolve();
  channel.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const length = pending.readUInt32BE(0);
      if (length > MAX_PACKET) return void channel.destroy();
      if (pending.length < 4 + length) break;
      const packet = pending.subarray(4, 4 + length);
      pending = pending.subarray(4 + length);
      queue = queue.then(() => session.take(packet)).catch(() => void channel.destroy());
    }
  });
  channel.on('close', () => void queue.then(() => session.closeAll()));
  channel.on('error', () => undefined);
}

class SftpSession {
  readonly #handles = new Map<string, Handle>();
  #nextHandle = 0;

  constructor(
    private readonly channel: Duplex,
    private readonly root: string,
  ) {}

  async take(packet: Buffer): Promise<void> {
    const reader = new Reader(packet);
    const type = reader.byte();
    if (type === T.INIT)
      return this.send(new Writer().byte(T.VERSION).u32(3).str('posix-rename@openssh.com').str('1'));
    const id = reader.u32();
    try {
      await this.request(type, id, reader);
    } catch (error) {
      this.status(id, ...statusOf(error));
    }
  }

  async closeAll(): Promise<void> {
    for (const handle of this.#handles.values()) if (handle.kind === 'file') await handle.file.close();
    this.#handles.clear();
  }

  private async request(type: number, id: number, r: Reader): Promise<void> {
    switch (type) {
      case T.OPEN:
        return this.open(id, r.str(), r.u32());
      case T.CLOSE:
        return this.close(id, r.str());
      case T.READ:
        return this.read(id, this.file(r.str()), r.u64(), r.u32());
      case T.WRITE: {
        const file = this.file(r.str());
        const offset = r.u64();
        const data = r.bytes();
        await file.write(data, 0, data.length, offset);
        return this.status(id, S.OK);
      }
      case T.LSTAT:
        return this.attrs(id, await lstat(this.local(r.str())));
      case T.STAT:
        return this.attrs(id, await stat(this.local(r.str())));
      case T.FSTAT:
        return this.attrs(id, await this.file(r.str()).stat());
      case T.SETSTAT:
      case T.FSETSTAT:
        // Modes and times are the server's to choose here (a umask of its own); accepted, as sshd does for a
        // chmod the file system allows.
        return this.status(id, S.OK);
      case T.OPENDIR:
        return this.openDir(id, r.str());
      case T.READDIR:
        return this.readDir(id, r.str());
      case T.REMOVE:
        await rm(this.local(r.str()));
        return this.status(id, S.OK);
      case T.MKDIR:
        await mkdir(this.local(r.str()));
        return this.status(id, S.OK);
      case T.RMDIR:
        await rmdir(this.local(r.str()));
        return this.status(id, S.OK);
      case T.REALPATH:
        return this.realPath(id, r.str());
      case T.RENAME:
        return this.rename(id, r.str(), r.str(), false);
      case T.EXTENDED: {
        const name = r.str();
        if (name !== 'posix-rename@openssh.com')
          return this.status(id, S.OP_UNSUPPORTED, `${name} unsupported`);
        return this.rename(id, r.str(), r.str(), true);
      }
      default:
        return this.status(id, S.OP_UNSUPPORTED, `request type ${type} unsupported`);
    }
  }

  private async open(id: number, path: string, pflags: number): Promise<void> {
    let flags = 0;
    if (pflags & F.READ && pflags & F.WRITE) flags |= fsConstants.O_RDWR;
    else if (pflags & F.WRITE) flags |= fsConstants.O_WRONLY;
    else flags |= fsConstants.O_RDONLY;
    if (pflags & F.APPEND) flags |= fsConstants.O_APPEND;
    if (pflags & F.CREAT) flags |= fsConstants.O_CREAT;
    if (pflags & F.TRUNC) flags |= fsConstants.O_TRUNC;
    if (pflags & F.EXCL) flags |= fsConstants.O_EXCL;
    const file = await open(this.local(path), flags, 0o644);
    this.handle(id, { kind: 'file', file });
  }

  private async close(id: number, handle: string): Promise<void> {
    const found = this.#handles.get(handle);
    if (!found) throw new Refusal(S.FAILURE, 'no such handle');
    this.#handles.delete(handle);
    if (found.kind === 'file') await found.file.close();
    this.status(id, S.OK);
  }

  private async read(id: number, file: FileHandle, offset: number, length: number): Promise<void> {
    const buffer = Buffer.alloc(Math.min(length, MAX_READ));
    const { bytesRead } = await file.read(buffer, 0, buffer.length, offset);
    if (bytesRead === 0) return this.status(id, S.EOF, 'end of file');
    this.send(new Writer().byte(T.DATA).u32(id).bytes(buffer.subarray(0, bytesRead)));
  }

  private async openDir(id: number, path: string): Promise<void> {
    const local = this.local(path);
    if (!(await stat(local)).isDirectory()) throw new Refusal(S.NO_SUCH_FILE, 'not a directory');
    this.handle(id, { kind: 'dir', path: local });
  }

  /** The whole folder in one NAME answer, then EOF: a supplier's folder holds tens of files, not thousands. */
  private async readDir(id: number, handle: string): Promise<void> {
    const dir = this.#handles.get(handle);
    if (dir?.kind !== 'dir') throw new Refusal(S.FAILURE, 'not a directory handle');
    if (dir.entries) return this.status(id, S.EOF, 'end of directory');
    dir.entries = ['.', '..', ...(await readdir(dir.path))];
    const answer = new Writer().byte(T.NAME).u32(id).u32(dir.entries.length);
    for (const name of dir.entries) {
      const stats = await lstat(`${dir.path}${sep}${name}`).catch(() => undefined);
      answer.str(name).str(longName(name, stats)).attrs(stats);
    }
    this.send(answer);
  }

  private async realPath(id: number, path: string): Promise<void> {
    const virtual = virtualPath(path);
    // Symbolic links are resolved as the file system sees them, and must stay inside the root.
    const resolved = await realpath(this.local(virtual)).catch(() => undefined);
    const rootReal = await realpath(this.root);
    const answer =
      resolved === undefined
        ? virtual
        : resolved === rootReal
          ? '/'
          : resolved.startsWith(rootReal + sep)
            ? `/${resolved
                .slice(rootReal.length + 1)
                .split(sep)
                .join('/')}`
            : undefined;
    if (answer === undefined) throw new Refusal(S.PERMISSION_DENIED, 'outside the served folder');
    this.send(new Writer().byte(T.NAME).u32(id).u32(1).str(answer).str(answer).attrs(undefined));
  }

  /** Plain SFTP rename refuses an existing target (section 6.5); posix-rename replaces it. */
  private async rename(id: number, from: string, to: string, replace: boolean): Promise<void> {
    const target = this.local(to);
    if (!replace && (await lstat(target).catch(() => undefined)))
      throw new Refusal(S.FAILURE, 'the target exists');
    await rename(this.local(from), target);
    this.status(id, S.OK);
  }

  private file(handle: string): FileHandle {
    const found = this.#handles.get(handle);
    if (found?.kind !== 'file') throw new Refusal(S.FAILURE, 'not a file handle');
    return found.file;
  }

  private handle(id: number, handle: Handle): void {
    const name = String(++this.#nextHandle);
    this.#handles.set(name, handle);
    this.send(new Writer().byte(T.HANDLE).u32(id).str(name));
  }

  private local(path: string): string {
    return this.root + virtualPath(path).split('/').join(sep);
  }

  private attrs(id: number, stats: Stats): void {
    this.send(new Writer().byte(T.ATTRS).u32(id).attrs(stats));
  }

  private status(id: number, code: number, message = code === S.OK ? 'OK' : 'failed'): void {
    this.send(new Writer().byte(T.STATUS).u32(id).u32(code).str(message).str('en'));
  }

  private send(writer: Writer): void {
    const body = writer.done();
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length);
    this.channel.write(Buffer.concat([length, body]));
  }
}

/** `/`-rooted and normalised: `a/../../b` is `/b`, never above the root. */
function virtualPath(path: string): string {
  return posix.resolve('/', path);
}

function statusOf(error: unknown): [number, string] {
  if (error instanceof Refusal) return [error.status, error.message];
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT') return [S.NO_SUCH_FILE, 'no such file'];
  if (code === 'EACCES' || code === 'EPERM') return [S.PERMISSION_DENIED, 'permission denied'];
  if (error instanceof RangeError) return [S.BAD_MESSAGE, 'bad message'];
  return [S.FAILURE, error instanceof Error ? error.message : String(error)];
}

/** The `ls -l` line the draft asks for in READDIR answers (clients may show it; ssh2 reads the type from it). */
function longName(name: string, stats: Stats | undefined): string {
  const type = stats?.isDirectory() ? 'd' : stats?.isSymbolicLink() ? 'l' : '-';
  const mode = stats?.mode ?? 0;
  const bits = [...'rwxrwxrwx'].map((ch, i) => (mode & (1 << (8 - i)) ? ch : '-')).join('');
  const when = (stats?.mtime ?? new Date(0)).toUTCString().slice(5, 16);
  return `${type}${bits} 1 owner group ${stats?.size ?? 0} ${when} ${name}`;
}

class Reader {
  #at = 0;
  constructor(private readonly buffer: Buffer) {}
  byte(): number {
    return this.buffer.readUInt8(this.#at++);
  }
  u32(): number {
    const value = this.buffer.readUInt32BE(this.#at);
    this.#at += 4;
    return value;
  }
  u64(): number {
    const value = this.buffer.readBigUInt64BE(this.#at);
    this.#at += 8;
    return Number(value);
  }
  bytes(): Buffer {
    const length = this.u32();
    if (this.#at + length > this.buffer.length) throw new RangeError('string past the packet');
    const value = this.buffer.subarray(this.#at, this.#at + length);
    this.#at += length;
    return value;
  }
  str(): string {
    return this.bytes().toString('utf8');
  }
}

class Writer {
  readonly #parts: Buffer[] = [];
  byte(value: number): this {
    this.#parts.push(Buffer.from([value]));
    return this;
  }
  u32(value: number): this {
    const part = Buffer.alloc(4);
    part.writeUInt32BE(value >>> 0);
    this.#parts.push(part);
    return this;
  }
  u64(value: number): this {
    const part = Buffer.alloc(8);
    part.writeBigUInt64BE(BigInt(value));
    this.#parts.push(part);
    return this;
  }
  bytes(value: Buffer): this {
    this.u32(value.length);
    this.#parts.push(value);
    return this;
  }
  str(value: string): this {
    return this.bytes(Buffer.from(value, 'utf8'));
  }
  /** Size, permissions (with the file type bits) and times; uid and gid are nobody's business here. */
  attrs(stats: Stats | undefined): this {
    if (!stats) return this.u32(0);
    this.u32(A.SIZE | A.PERMISSIONS | A.ACMODTIME);
    this.u64(stats.size).u32(stats.mode);
    return this.u32(Math.floor(stats.atimeMs / 1000)).u32(Math.floor(stats.mtimeMs / 1000));
  }
  done(): Buffer {
    return Buffer.concat(this.#parts);
  }
}
