import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';
import { SSHD, startOpenSshServer, type SftpServerSim } from '../../sim/sftp-server.ts';

export { SSHD };

/** A real OpenSSH server, started for a test, that speaks only SFTP (sim/sftp-server.ts has the details). */
export type TestSftpServer = SftpServerSim;

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
export function startSftpServer(timeoutMs = 15_000): Promise<TestSftpServer> {
  return startOpenSshServer({ timeoutMs });
}
