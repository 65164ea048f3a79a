/**
 * A supplier's SFTP server, for the demo and the tests (never the production path): Debian's OpenSSH when it is
 * installed (the real thing Waybill meets at suppliers), otherwise an in-process server on the `ssh2` package's
 * Server with an SFTP subsystem of our own (sim/sftp-subsystem.ts), so `npm install && npm run demo` works on a
 * machine without sshd. Either serves one local folder, logs in one user by one key, and says its host key.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './shared.ts';
import { serveSftp } from './sftp-subsystem.ts';

/** Debian's OpenSSH server (package openssh-server). */
export const SSHD = '/usr/sbin/sshd';

/**
 * A running SFTP server and how to log in to it.
 *
 * @example
 * const server = await startSftpServer();
 * const folder = await openSftpFolder({ ...server, folder: 'in', readyTimeoutMs: 5_000, operationTimeoutMs: 5_000 });
 * await folder.putAtomic('hello.txt', Buffer.from('hi')); // now in join(server.root, 'in', 'hello.txt')
 * await server.stop();
 */
export interface SftpServerSim {
  host: string;
  port: number;
  /** The current user: an sshd that is not root can only log in as the user it runs as. */
  username: string;
  /** An ed25519 key (OpenSSH format) the server accepts; no other key and no password is. */
  privateKey: string;
  /** The server's host key fingerprint as `ssh-keygen -l` prints it (`SHA256:` + unpadded base64). */
  hostKeySha256: string;
  /**
   * The local folder the SFTP session starts in: relative SFTP paths (`in`, `out/855.x12`) name the same files on
   * both servers. OpenSSH's is not a chroot (ChrootDirectory needs a root-owned path and a root sshd), so its
   * absolute SFTP paths are the real ones; the in-process server shows the folder as `/`.
   */
  root: string;
  implementation: 'openssh' | 'in-process';
  /** Stops the server and removes its files (and the root, when the server made it). */
  stop(): Promise<void>;
}

export interface SftpServerOptions {
  /** The folder to serve (kept at stop); a new temporary one (removed at stop) when absent. */
  root?: string;
  /** `auto` (the default): OpenSSH when /usr/sbin/sshd exists, else the in-process server. */
  implementation?: 'auto' | 'openssh' | 'in-process';
  /** How long OpenSSH may take to answer with its banner. */
  timeoutMs?: number;
}

/** Starts the server `options.implementation` names, on a free loopback port. */
export function startSftpServer(options: SftpServerOptions = {}): Promise<SftpServerSim> {
  const implementation = options.implementation ?? 'auto';
  const openSsh = implementation === 'openssh' || (implementation === 'auto' && existsSync(SSHD));
  return openSsh ? startOpenSshServer(options) : startInProcessSftpServer(options);
}

/** A folder for keys and config, and the root to serve (made inside it unless given). */
function workspace(options: SftpServerOptions): { dir: string; root: string; ownRoot: boolean } {
  const dir = mkdtempSync(join(tmpdir(), 'waybill-sftp-'));
  const root = options.root ? resolve(options.root) : join(dir, 'files');
  mkdirSync(root, { recursive: true });
  return { dir, root, ownRoot: !options.root };
}

/** `SHA256:` + unpadded base64 of the SSH wire form of a public key, as OpenSSH prints fingerprints. */
function fingerprintOf(publicKeyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(publicKeyBlob).digest('base64').replace(/=+$/, '')}`;
}

// ---------------------------------------------------------------------------------------------------------------
// In-process: ssh2's Server, public-key login only, the SFTP subsystem served by sim/sftp-subsystem.ts.

/** The in-process server: no external program needed. */
export async function startInProcessSftpServer(options: SftpServerOptions = {}): Promise<SftpServerSim> {
  // Loaded here: the demo and most tests never need an SSH server stack in their process.
  const { default: ssh2 } = await import('ssh2');
  const { dir, root, ownRoot } = workspace(options);
  const username = userInfo().username;
  const hostPair = readableKeyPair(ssh2.utils);
  const userPair = readableKeyPair(ssh2.utils);
  const allowed = parsed(ssh2.utils.parseKey(userPair.public));
  const hostPublic = parsed(ssh2.utils.parseKey(hostPair.public));
  const clients = new Set<{ end(): void }>();

  const server = new ssh2.Server({ hostKeys: [hostPair.private] }, (client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => undefined); // a client that vanishes mid-handshake is its own problem
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey' || ctx.username !== username) return ctx.reject(['publickey']);
      const key = allowed.getPublicSSH();
      const same =
        ctx.key.algo === allowed.type &&
        ctx.key.data.length === key.length &&
        timingSafeEqual(ctx.key.data, key);
      if (!same) return ctx.reject(['publickey']);
      // Without a signature the client only asks whether the key would do (RFC 4252, section 7).
      if (!ctx.signature) return ctx.accept();
      return allowed.verify(ctx.blob ?? Buffer.alloc(0), ctx.signature, ctx.hashAlgo)
        ? ctx.accept()
        : ctx.reject();
    });
    client.on('ready', () =>
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        // A subsystem listener and no 'sftp' one: ssh2 hands over the raw channel, and we speak SFTP on it.
        session.on('subsystem', (accept, reject, info) => {
          if (info.name !== 'sftp') return reject();
          serveSftp(accept(), root);
        });
        for (const refused of ['exec', 'shell', 'pty'] as const)
          session.on(refused, (_accept: unknown, reject: () => void) => reject());
      }),
    );
  });
  const port = await new Promise<number>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      done(typeof address === 'object' && address ? address.port : 0);
    });
  });
  return {
    host: '127.0.0.1',
    port,
    username,
    privateKey: userPair.private,
    hostKeySha256: fingerprintOf(hostPublic.getPublicSSH()),
    root,
    implementation: 'in-process',
    stop: async () => {
      for (const client of clients) client.end();
      await new Promise<void>((done) => server.close(() => done()));
      rmSync(dir, { recursive: true, force: true });
      if (ownRoot) rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * An ed25519 pair that ssh2 can read back: about one pair in 250 that its own generateKeyPairSync makes, its
 * parseKey refuses ("Malformed OpenSSH public key"), so a pair is made again until both halves read.
 */
function readableKeyPair(utils: typeof import('ssh2').utils): { public: string; private: string } {
  for (let attempt = 0; attempt < 20; attempt++) {
    const pair = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(pair.public) instanceof Error) && !(utils.parseKey(pair.private) instanceof Error))
      return pair;
  }
  throw new Error('ssh2 made no ed25519 key pair it could read in 20 tries');
}

function parsed<K>(key: K | Error): K {
  if (key instanceof Error) throw key;
  return key;
}

// ---------------------------------------------------------------------------------------------------------------
// OpenSSH: sshd as the current user on a high loopback port, internal-sftp only, keys made for the session.

/** Starts sshd as the current user on a free loopback port; resolves once it greets with an SSH banner. */
export async function startOpenSshServer(options: SftpServerOptions = {}): Promise<SftpServerSim> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const { dir, root, ownRoot } = workspace(options);
  const removeAll = () => {
    rmSync(dir, { recursive: true, force: true });
    if (ownRoot) rmSync(root, { recursive: true, force: true });
  };
  try {
    keygen(join(dir, 'host_key'));
    keygen(join(dir, 'user_key'));
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'user_key.pub')));
    // A root sshd insists on its privilege-separation directory, which only the (never started) service creates.
    if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    // A port found free can be taken before sshd binds it; sshd then exits, and another port is tried.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      writeFileSync(join(dir, 'sshd_config'), sshdConfig(dir, root, port));
      const started = await runSshd(dir, port, timeoutMs);
      if (started.ok) {
        const child = started.child;
        // sshd runs detached: should this process die without stop(), it must not outlive it.
        const killOnExit = () => {
          killGroup(child);
          removeAll();
        };
        process.once('exit', killOnExit);
        return {
          host: '127.0.0.1',
          port,
          username: userInfo().username,
          privateKey: readFileSync(join(dir, 'user_key'), 'utf8'),
          hostKeySha256: fingerprint(join(dir, 'host_key.pub')),
          root,
          implementation: 'openssh',
          stop: async () => {
            process.off('exit', killOnExit);
            await stopProcessGroup(child);
            removeAll();
          },
        };
      }
      if (attempt === 3 || !/bind|address already in use/i.test(started.log))
        throw new Error(`sshd did not start:\n${started.log}`);
    }
  } catch (error) {
    removeAll();
    throw error;
  }
}

function keygen(file: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'waybill-sim', '-f', file]);
}

/** `256 SHA256:abc… comment (ED25519)` → `SHA256:abc…`: OpenSSH's own reading, to check ours against. */
function fingerprint(publicKeyFile: string): string {
  const line = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicKeyFile], { encoding: 'utf8' });
  const found = /SHA256:[A-Za-z0-9+/]+/.exec(line);
  if (!found) throw new Error(`ssh-keygen printed no SHA256 fingerprint: ${line}`);
  return found[0];
}

function sshdConfig(dir: string, root: string, port: number): string {
  return [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_key')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    // The temp dir's modes are not the ones sshd wants of a home directory; a simulator does not care.
    'StrictModes no',
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    // Only matters when run as root (CI does): keys are allowed, passwords not.
    'PermitRootLogin prohibit-password',
    'Subsystem sftp internal-sftp',
    // -d: relative SFTP paths start at the root, as a supplier's folder starts at its home.
    `ForceCommand internal-sftp -d ${root}`,
    '',
  ].join('\n');
}

type Started = { ok: true; child: ChildProcess } | { ok: false; log: string };

/** Spawns sshd in a process group of its own and polls its port until it answers with an OpenSSH banner. */
async function runSshd(dir: string, port: number, timeoutMs: number): Promise<Started> {
  // -D: stay in the foreground (we own the process); -e: log to stderr, kept for the error message.
  const child = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  let exited = false;
  child.once('exit', () => (exited = true));
  child.once('error', (error) => ((exited = true), (log += `${error.message}\n`)));

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) return { ok: false, log };
    if (await greetsWithSsh(port)) return { ok: true, child };
    if (Date.now() > deadline) {
      await stopProcessGroup(child);
      throw new Error(`sshd did not answer on 127.0.0.1:${port} within ${timeoutMs} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** True when something on the port sends `SSH-2.0-…` first: sshd itself, not whatever took the port before it. */
function greetsWithSsh(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (chunk: Buffer) => done(chunk.toString('latin1').startsWith('SSH-2.0-')));
  });
}

/** SIGTERM to the group we created (sshd and any session it has not yet handed off), then wait for the exit. */
async function stopProcessGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  killGroup(child);
  await exited;
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
}
