import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
  openSftpFolder,
  SftpFolderError,
  type SftpFolder,
  type SftpFolderSettings,
} from '../src/infra/sftp-folder.ts';
import { describeWithSshd, startSftpServer, type TestSftpServer } from './support/sftp-server.ts';
import { until } from './support/until.ts';

describeWithSshd('SFTP folder against a real OpenSSH server', () => {
  let server: TestSftpServer;
  const cleanups: (() => Promise<unknown> | void)[] = [];
  let folders = 0;

  beforeAll(async () => {
    server = await startSftpServer();
  });
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** A new folder of this test's own under the server's root: its SFTP name (relative) and its local path. */
  function freshFolder(): { name: string; local: string } {
    const name = `inbound-${++folders}`;
    const local = join(server.root, name);
    mkdirSync(local);
    return { name, local };
  }

  function settings(folder: string, overrides: Partial<SftpFolderSettings> = {}): SftpFolderSettings {
    return {
      host: server.host,
      port: server.port,
      username: server.username,
      privateKey: server.privateKey,
      hostKeySha256: server.hostKeySha256,
      folder,
      readyTimeoutMs: 5_000,
      operationTimeoutMs: 5_000,
      ...overrides,
    };
  }

  async function open(folder: string, overrides: Partial<SftpFolderSettings> = {}): Promise<SftpFolder> {
    const opened = await openSftpFolder(settings(folder, overrides));
    cleanups.push(() => opened.close());
    return opened;
  }

  it('lists regular files only, oldest first and then by name, with size and time', async () => {
    const { name, local } = freshFolder();
    const older = new Date('2026-11-30T08:00:00Z');
    const newer = new Date('2026-11-30T09:00:00Z');
    for (const [file, when] of [
      ['b.csv', newer],
      ['a.csv', newer],
      ['c.csv', older],
    ] as const) {
      writeFileSync(join(local, file), `sku,qty\n${file},1\n`);
      utimesSync(join(local, file), when, when);
    }
    mkdirSync(join(local, 'processed'));
    writeFileSync(join(local, '.d.csv.part'), 'half a fi');
    symlinkSync(join(local, 'a.csv'), join(local, 'link.csv'));

    const folder = await open(name);

    expect(await folder.list()).toEqual([
      { name: 'c.csv', size: 16, modifiedAt: older },
      { name: 'a.csv', size: 16, modifiedAt: newer },
      { name: 'b.csv', size: 16, modifiedAt: newer },
    ]);
  });

  it('reads a file byte for byte, and names folder, file and host when it is missing', async () => {
    const { name, local } = freshFolder();
    const bytes = Buffer.concat([
      Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
      scrambledBytes(300_000),
    ]);
    writeFileSync(join(local, 'feed.bin'), bytes);
    const folder = await open(name);

    expect((await folder.read('feed.bin')).equals(bytes)).toBe(true);

    const missing = await failureOf(folder.read('missing.csv'));
    expect(missing.code).toBe('not-found');
    expect(missing.message).toContain(`${local}/missing.csv`);
    expect(missing.message).toContain(`${server.host}:${server.port}`);
    expect((await failureOf(folder.read('../escape.csv'))).code).toBe('invalid-name');
  });

  it('moves a file to processed (created when missing), replacing an older one of the same name there', async () => {
    const { name, local } = freshFolder();
    writeFileSync(join(local, 'feed-1.csv'), 'first');
    writeFileSync(join(local, 'feed-2.csv'), 'other');
    const folder = await open(name);

    await folder.moveTo('feed-1.csv', 'processed');
    expect((await folder.list()).map((file) => file.name)).toEqual(['feed-2.csv']);
    expect(readFileSync(join(local, 'processed', 'feed-1.csv'), 'utf8')).toBe('first');

    writeFileSync(join(local, 'feed-1.csv'), 'resent');
    await folder.moveTo('feed-1.csv', join(local, 'processed')); // an absolute folder too
    expect((await folder.list()).map((file) => file.name)).toEqual(['feed-2.csv']);
    expect(readFileSync(join(local, 'processed', 'feed-1.csv'), 'utf8')).toBe('resent');
  });

  it('uploads atomically: the final name only ever holds the old or the whole new file', async () => {
    const { name, local } = freshFolder();
    const old = Buffer.from('old');
    writeFileSync(join(local, 'po-1.edi'), old);
    const bytes = scrambledBytes(16 * 1024 * 1024);
    const folder = await open(name);

    let settled = false;
    const upload = folder.putAtomic('po-1.edi', bytes).finally(() => (settled = true));
    const sizesSeen = new Set<number>();
    let sawPart = false;
    while (!settled) {
      const names = await readdir(local);
      if (names.includes('.po-1.edi.part')) sawPart = true;
      sizesSeen.add((await stat(join(local, 'po-1.edi'))).size);
    }
    await upload;

    expect(sawPart).toBe(true); // the window was watched, not missed
    expect([...sizesSeen].every((size) => size === old.length || size === bytes.length)).toBe(true);
    expect(readFileSync(join(local, 'po-1.edi')).equals(bytes)).toBe(true);
    expect(await readdir(local)).toEqual(['po-1.edi']);

    await folder.putAtomic('po-2.edi', Buffer.from('ISA*00*'));
    expect(readFileSync(join(local, 'po-2.edi'), 'utf8')).toBe('ISA*00*');
  });

  it('refuses a key the server does not know', async () => {
    const { name } = freshFolder();
    const refused = await failureOf(openSftpFolder(settings(name, { privateKey: otherKey() })));
    expect(refused.code).toBe('auth-failed');
    expect(refused.message).toContain(`${server.host}:${server.port} (user ${server.username})`);
  });

  it('checks the host key against the fingerprint OpenSSH prints, and refuses another', async () => {
    const { name } = freshFolder();
    const unpadded = server.hostKeySha256.replace(/^SHA256:/, '');
    const pinned = await open(name, { hostKeySha256: unpadded });
    expect(pinned.hostKeySha256).toBe(server.hostKeySha256);
    const unpinned = await open(name, { hostKeySha256: undefined });
    expect(unpinned.hostKeySha256).toBe(server.hostKeySha256);

    const impostor = 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU';
    const refused = await failureOf(openSftpFolder(settings(name, { hostKeySha256: impostor })));
    expect(refused.code).toBe('host-key-mismatch');
    expect(refused.message).toContain(impostor);
    expect(refused.message).toContain(server.hostKeySha256);
  });

  it('says clearly when the folder does not exist', async () => {
    const missing = await failureOf(openSftpFolder(settings('no-such-folder')));
    expect(missing.code).toBe('not-found');
    expect(missing.message).toContain('"no-such-folder" does not exist');
    expect(missing.message).toContain(`${server.host}:${server.port}`);
  });

  it('gives up within the ready timeout on a server that accepts TCP but never speaks SSH', async () => {
    const mute = await listen((socket) => socket.resume());
    const started = Date.now();

    const timedOut = await failureOf(
      openSftpFolder(settings('inbound', { port: mute.port, readyTimeoutMs: 300 })),
    );

    expect(timedOut.code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(300 + 2_000);
    await until('the client to close its socket', () => mute.openSockets() === 0, 5_000);
  });

  it('times out an operation when the server stops answering, and closes the connection', async () => {
    const { name } = freshFolder();
    const relay = await relayTo(server.port);
    const folder = await open(name, { port: relay.port, operationTimeoutMs: 300 });
    expect(await folder.list()).toEqual([]);

    relay.silence();
    const started = Date.now();
    const timedOut = await failureOf(folder.list());

    expect(timedOut.code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(300 + 2_000);
    await until('the client to close its socket', () => relay.openSockets() === 0, 5_000);
    expect((await failureOf(folder.list())).code).toBe('closed');
  });

  it('keeps the old file when the connection drops mid-upload, and says the connection was lost', async () => {
    const { name, local } = freshFolder();
    writeFileSync(join(local, 'po-1.edi'), 'old');
    const relay = await relayTo(server.port);
    const folder = await open(name, { port: relay.port });

    const upload = failureOf(folder.putAtomic('po-1.edi', scrambledBytes(32 * 1024 * 1024)));
    await until('the upload to begin', async () => (await readdir(local)).includes('.po-1.edi.part'), 10_000);
    relay.cut();

    expect((await upload).message).toContain(`${local}/po-1.edi on ${server.host}:${relay.port}`);
    expect(readFileSync(join(local, 'po-1.edi'), 'utf8')).toBe('old');
    const next = await failureOf(folder.list());
    expect(next.code).toBe('closed');
    expect(next.message).toContain('the connection was lost');
  });

  it('puts no password or key in any error', async () => {
    const password = 'correct-horse-battery-staple-8731';
    const wrongKey = otherKey();
    const mute = await listen((socket) => socket.resume());
    const attempts: Partial<SftpFolderSettings>[] = [
      { privateKey: undefined, password },
      { privateKey: wrongKey, password },
      { password, hostKeySha256: 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU' },
      { password, folder: 'no-such-folder' },
      { password, port: mute.port, readyTimeoutMs: 200 },
    ];
    for (const attempt of attempts) {
      const error = await failureOf(openSftpFolder(settings('.', attempt)));
      const told = [error.message, error.stack, inspect(error), JSON.stringify(error)].join('\n');
      expect(told).not.toContain(password);
      for (const key of [server.privateKey, wrongKey])
        for (const line of key.split('\n').filter((l) => l.length > 16 && !l.startsWith('-----')))
          expect(told).not.toContain(line);
    }
  });

  /** A plain TCP server on a free loopback port, closed after the test. */
  async function listen(onSocket: (socket: Socket) => void) {
    const sockets = new Set<Socket>();
    const tcp: Server = createServer((socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      onSocket(socket);
    });
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => tcp.close(resolve));
    });
    const address = tcp.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    return { port: address.port, sockets, openSockets: () => sockets.size };
  }

  /** A relay to sshd that the test can silence (bytes stop flowing, the sockets stay open) or cut. */
  async function relayTo(port: number) {
    let silent = false;
    const pairs = new Set<[Socket, Socket]>();
    const relay = await listen((client) => {
      const upstream = connect({ host: '127.0.0.1', port });
      const pair: [Socket, Socket] = [client, upstream];
      pairs.add(pair);
      client.on('data', (chunk) => silent || upstream.write(chunk));
      upstream.on('data', (chunk) => silent || client.write(chunk));
      for (const socket of pair) {
        socket.on('error', () => undefined);
        socket.once('close', () => {
          pairs.delete(pair);
          client.destroy();
          upstream.destroy();
        });
      }
    });
    return {
      port: relay.port,
      openSockets: relay.openSockets,
      silence: () => (silent = true),
      cut: () => pairs.forEach(([client, upstream]) => (client.destroy(), upstream.destroy())),
    };
  }
});

async function failureOf(work: Promise<unknown>): Promise<SftpFolderError> {
  try {
    await work;
  } catch (error) {
    if (error instanceof SftpFolderError) return error;
    throw error;
  }
  throw new Error('expected the SFTP call to fail, and it succeeded');
}

/** A fresh ed25519 private key, OpenSSH format, that no server knows. */
function otherKey(): string {
  const dir = mkdtempSync(join(tmpdir(), 'waybill-key-'));
  try {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'key')]);
    return readFileSync(join(dir, 'key'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Bytes of every value in a fixed, reproducible scramble (no two runs differ). */
function scrambledBytes(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i += 4) bytes.writeUInt32LE((i * 2654435761) >>> 0, i);
  return bytes;
}
