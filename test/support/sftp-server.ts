import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { freePort } from '../../sim/shared.ts';

/** Debian's OpenSSH server (package openssh-server; .ci/run installs it). */
export const SSHD = '/usr/sbin/sshd';

/** A real OpenSSH server, started for a test, that speaks only SFTP. */
export interface TestSftpServer {
  host: string;
  port: number;
  /** The current user: an sshd that is not root can only log in as the user it runs as. */
  username: string;
  /** An ed25519 key (OpenSSH format) the server accepts. */
  privateKey: string;
  /** The server's host key fingerprint as `ssh-keygen -l` prints it (`SHA256:` + unpadded base64). */
  hostKeySha256: string;
  /**
   * The folder (a real local directory) the SFTP session starts in, so `inbound` and `<root>/inbound` name the same
   * folder. Not a chroot: ChrootDirectory needs a root-owned path and a root sshd, so SFTP paths are the real ones.
   */
  root: string;
  /** Stops sshd (its whole process group) and removes its files. */
  stop(): Promise<void>;
}

/**
 * Runs `body` when Debian's sshd is installed; otherwise skips it with a visible reason, and with
 * WAYBILL_TEST_REQUIRE=all (CI) the skip is a failure instead, as describeEachDatabase does for PostgreSQL.
 *
 * @example
 * describeWithSshd('sftp folder', () => { it('lists', async () => { const server = await startSftpServer(); ... }); });
 */
export function describeWithSshd(title: string, body: () => void): void {
  if (existsSync(SSHD)) {
    describe(title, body);
  } else if (process.env.WAYBILL_TEST_REQUIRE === 'all') {
    describe(title, () => {
      it('runs against a real OpenSSH server', () => {
        throw new Error(`WAYBILL_TEST_REQUIRE=all, but ${SSHD} is missing: install openssh-server`);
      });
    });
  } else {
    describe.skip(`${title} (skipped: ${SSHD} is missing; apt-get install openssh-server to run)`, () =>
      it.skip('needs OpenSSH'));
  }
}

/** Starts sshd as the current user on a free loopback port; resolves once it greets with an SSH banner. */
export async function startSftpServer(timeoutMs = 15_000): Promise<TestSftpServer> {
  const dir = mkdtempSync(join(tmpdir(), 'waybill-sshd-'));
  try {
    const root = join(dir, 'files');
    mkdirSync(root);
    keygen(join(dir, 'host_key'));
    keygen(join(dir, 'user_key'));
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'user_key.pub')));
    // A root sshd insists on its privilege-separation directory, which only the (never started) service creates.
    if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    // A port found free can be taken before sshd binds it; sshd then exits, and another port is tried.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      writeFileSync(join(dir, 'sshd_config'), sshdConfig(dir, port));
      const started = await runSshd(dir, port, timeoutMs);
      if (started.ok) {
        const child = started.child;
        // sshd runs detached: should the test process die without stop(), it must not outlive it.
        const killOnExit = () => {
          killGroup(child);
          rmSync(dir, { recursive: true, force: true });
        };
        process.once('exit', killOnExit);
        return {
          host: '127.0.0.1',
          port,
          username: userInfo().username,
          privateKey: readFileSync(join(dir, 'user_key'), 'utf8'),
          hostKeySha256: fingerprint(join(dir, 'host_key.pub')),
          root,
          stop: async () => {
            process.off('exit', killOnExit);
            await stopProcessGroup(child);
            rmSync(dir, { recursive: true, force: true });
          },
        };
      }
      if (attempt === 3 || !/bind|address already in use/i.test(started.log))
        throw new Error(`sshd did not start:\n${started.log}`);
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

function keygen(file: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'waybill-test', '-f', file]);
}

/** `256 SHA256:abc… comment (ED25519)` → `SHA256:abc…`: OpenSSH's own reading, to check ours against. */
function fingerprint(publicKeyFile: string): string {
  const line = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicKeyFile], { encoding: 'utf8' });
  const found = /SHA256:[A-Za-z0-9+/]+/.exec(line);
  if (!found) throw new Error(`ssh-keygen printed no SHA256 fingerprint: ${line}`);
  return found[0];
}

function sshdConfig(dir: string, port: number): string {
  return [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_key')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    // The temp dir's modes are not the ones sshd wants of a home directory; the test does not care.
    'StrictModes no',
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    // Only matters when the tests run as root (CI does): keys are allowed, passwords not.
    'PermitRootLogin prohibit-password',
    'Subsystem sftp internal-sftp',
    // -d: relative SFTP paths start at the test's root, as a supplier's folder starts at its home.
    `ForceCommand internal-sftp -d ${join(dir, 'files')}`,
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
