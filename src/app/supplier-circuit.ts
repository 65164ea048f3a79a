import {
  admit,
  CLOSED_CIRCUIT,
  DEFAULT_CIRCUIT_POLICY,
  nextCircuit,
  type Circuit,
  type CircuitEvent,
  type CircuitPolicy,
} from '../domain/circuit-breaker.ts';
import { PermanentError } from '../domain/permanent-error.ts';
import { coalescedReads } from '../infra/coalesced-reads.ts';
import { withoutUrlCredentials } from '../infra/url-credentials.ts';
import { recordEvents } from '../store/events.repo.ts';
import { ROWS_PER_STATEMENT } from '../store/statement.ts';
import {
  loadSupplierCircuits,
  lockSupplierCircuit,
  claimSupplierProbe,
  saveSupplierCircuit,
  wakeSupplierJobs,
  type PurchaseOrderJobs,
} from '../store/supplier-circuits.repo.ts';
import type { AppContext } from './context.ts';

/** What a call through the breaker came to: it ran (and succeeded), or it must wait until a time. */
export type Guarded<T> = { ran: true; value: T } | { ran: false; until: Date };

/** The most of a failure's text kept (the supplier list shows it). */
const ERROR_CHARS = 500;

/**
 * The jobs that wait for a supplier's circuit: woken when it closes. Keys as send-purchase-order.ts and
 * withdraw-purchase-order.ts build them (`po.send:PO-1`), which import this file, hence spelt here.
 */
const WAITING_JOBS: readonly PurchaseOrderJobs[] = [
  { keyPrefix: 'po.send:', poStates: ['pending'] },
  { keyPrefix: 'po.cancel:', poStates: ['cancelled'] },
];

/**
 * Each supplier's circuit breaker, around the jobs that call its transport, whatever the transport (REST, EDI or CSV
 * over SFTP, email): kept in the database, so every worker process sees one breaker per supplier. A call goes when
 * the circuit is closed; while it is open the caller is told to wait until the probe time, without calling; when
 * the probe is due, the one job whose conditional write claims it calls, the others wait. Failures that say the
 * supplier's side is unwell (timeouts, refused connections, 5xx, an SFTP server down: what the transport throws as
 * retryable) count; a PermanentError (one PO's content refused) does not. Any success closes it.
 *
 * @example
 * const circuits = new SupplierCircuits(ctx);
 * const sent = await circuits.call(supplier.id, () => transport.send(po, options));
 * if (!sent.ran) return { notBefore: sent.until };   // the job comes back then, its attempt not spent
 */
export class SupplierCircuits {
  readonly #read: (supplierId: string) => Promise<Circuit | null>;

  constructor(
    private readonly ctx: AppContext,
    private readonly policy: CircuitPolicy = DEFAULT_CIRCUIT_POLICY,
  ) {
    // The jobs of one claim start together: their suppliers' breakers are read together.
    this.#read = coalescedReads(
      (ids: readonly string[]) => loadSupplierCircuits(ctx.store.db, ids),
      ROWS_PER_STATEMENT,
    );
  }

  /** Runs `work` if the supplier's circuit lets it (claiming the probe when due) and records how it went. */
  async call<T>(supplierId: string, work: () => Promise<T>): Promise<Guarded<T>> {
    const now = this.ctx.clock.now();
    const seen = (await this.#read(supplierId)) ?? CLOSED_CIRCUIT;
    const admission = admit(seen, now);
    if (admission.kind === 'wait') return { ran: false, until: admission.until };
    if (admission.kind === 'probe') {
      const probing = nextCircuit(seen, { type: 'probe_claimed' }, now, this.policy);
      const won = await this.ctx.store.autocommit((db) =>
        claimSupplierProbe(db, supplierId, seen, probing, now.getTime()),
      );
      // Another job is probing: wait for its lease (a success wakes the waiting jobs sooner).
      if (!won) return { ran: false, until: new Date(now.getTime() + this.policy.probeLeaseMs) };
      return this.#probe(supplierId, work);
    }
    return { ran: true, value: await this.observe(supplierId, work, seen) };
  }

  /**
   * The probe's call. Its failure only says the supplier is still down, which the breaker knew: the caller waits for
   * the next probe as the others do, its attempt not spent (a PermanentError is the call's own, and thrown).
   */
  async #probe<T>(supplierId: string, work: () => Promise<T>): Promise<Guarded<T>> {
    let value: T;
    try {
      value = await work();
    } catch (error) {
      if (error instanceof PermanentError) throw error;
      const after = await this.#record(supplierId, { type: 'failed', error: describe(error) });
      if (after?.state !== 'open' || !after.nextProbeAt) throw error;
      return { ran: false, until: after.nextProbeAt };
    }
    await this.#record(supplierId, { type: 'succeeded' });
    return { ran: true, value };
  }

  /**
   * Runs `work` whatever the circuit says and records how it went: for the second half of an exchange the breaker
   * let through (the files a look took, put away). `seen`: the breaker as read before, so a success on a clean
   * closed circuit writes nothing.
   */
  async observe<T>(supplierId: string, work: () => Promise<T>, seen?: Circuit): Promise<T> {
    let value: T;
    try {
      value = await work();
    } catch (error) {
      if (!(error instanceof PermanentError))
        await this.#record(supplierId, { type: 'failed', error: describe(error) });
      throw error;
    }
    // A success on a clean closed circuit (the usual case) writes nothing.
    const before = seen ?? (await this.#read(supplierId)) ?? CLOSED_CIRCUIT;
    if (before.state !== 'closed' || before.consecutiveFailures > 0)
      await this.#record(supplierId, { type: 'succeeded' });
    return value;
  }

  /**
   * The breaker after the event, in a transaction of its own (the job's failure is recorded by the worker, which
   * has no hook for it). Opening and closing go on the supplier's timeline; closing wakes the jobs that wait.
   * A failure to record is logged, not thrown (null): the call's own outcome is what the job reports.
   */
  async #record(supplierId: string, event: CircuitEvent): Promise<Circuit | null> {
    const now = this.ctx.clock.now();
    try {
      return await this.ctx.store.transact(async (tx) => {
        const before = await lockSupplierCircuit(tx, supplierId, now.getTime(), this.ctx.store.caps.rowLocks);
        const after = nextCircuit(before, event, now, this.policy);
        if (event.type === 'succeeded' && before.state === 'closed' && before.consecutiveFailures === 0)
          return after;
        await saveSupplierCircuit(tx, supplierId, after, now.getTime());
        if (before.state === after.state) return after;
        if (after.state === 'open' && before.state === 'closed') {
          this.ctx.log.warn('supplier circuit opened', { supplierId, lastError: after.lastError });
          await recordEvents(tx, now, [
            supplierEvent(supplierId, 'supplier.circuit_opened', {
              consecutiveFailures: after.consecutiveFailures,
              downSince: after.downSince,
              nextProbeAt: after.nextProbeAt,
              lastError: after.lastError,
            }),
          ]);
        }
        if (after.state === 'closed') {
          this.ctx.log.info('supplier circuit closed', { supplierId });
          await recordEvents(tx, now, [
            supplierEvent(supplierId, 'supplier.circuit_closed', {
              downSince: before.downSince,
              downForMs: before.downSince ? now.getTime() - before.downSince.getTime() : 0,
            }),
          ]);
          await wakeSupplierJobs(tx, supplierId, WAITING_JOBS, now.getTime());
        }
        return after;
      });
    } catch (error) {
      this.ctx.log.warn('supplier circuit not recorded', {
        supplierId,
        event: event.type,
        error: String(error),
      });
      return null;
    }
  }
}

/** A supplier's breaker as the supplier list shows it (no row: closed, nothing failing). */
export function circuitView(circuit: Circuit | undefined) {
  const c = circuit ?? CLOSED_CIRCUIT;
  return {
    state: c.state,
    consecutiveFailures: c.consecutiveFailures,
    downSince: c.downSince?.toISOString() ?? null,
    nextProbeAt: c.nextProbeAt?.toISOString() ?? null,
    lastError: c.lastError,
  };
}

/** An event of a supplier's own timeline. */
export function supplierEvent(supplierId: string, type: string, data: object) {
  return { orderId: null, subjectType: 'supplier' as const, subjectId: supplierId, type, data };
}

/** The failure in words for the operator: no address's credentials, not too long. */
function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return withoutUrlCredentials(text).slice(0, ERROR_CHARS);
}
