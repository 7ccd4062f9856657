/**
 * Warm instances carried from one test file's emulator to the next (the harness's ProcessBank keepModules):
 * each emulator is a CloudBase environment of its own, and what a function keeps between invocations — the
 * shop settings, staff documents (core/runtime/instance-cache.ts) — is kept per environment, the one
 * `cloud.DYNAMIC_CURRENT_ENV` resolves to at each request. So the instance's first call in another
 * environment reads that environment's documents, never the last one's, however recently those were read.
 */
import { withBuildLock } from '../support/build-lock';
import { DEMO, startEmulator, type Harness } from '../support/emulator';

const open: Harness[] = [];
afterAll(async () => {
  for (const h of open) await h.close().catch(() => undefined);
});

async function emulator(): Promise<Harness> {
  const h = await startEmulator();
  open.push(h);
  return h;
}

/** The process and cold flag of the last queryReturns invocation of `h`. */
function lastInvocation(h: Harness) {
  const list = h.emu.functions.pool.recentLogs().filter((r) => r.function === 'queryReturns');
  return list[list.length - 1];
}

describe('a warm instance in another environment', () => {
  // under the build lock: a rebuild by the build tests in the meantime would (rightly) make B load the bundle afresh
  it("reads that environment's staff and settings at its first call there", () =>
    withBuildLock(async () => {
      const a = await emulator();
      // A: the merchant holds MERCHANT; the shop's carrier account is bound (demo settings), both now kept by the instance
      expect((await a.call('queryReturns', { action: 'whoami' }, { openid: DEMO.merchant })).data.roles).toEqual(['MERCHANT']);
      const inA = await a.call('queryReturns', { action: 'carrierAccounts' }, { openid: DEMO.admin });
      expect(inA.data.accounts).toHaveLength(1);
      expect(inA.data.accounts[0]).toMatchObject({ bound: true });
      const first = lastInvocation(a);
      await a.close();

      const b = await emulator();
      // B, at once: the same openid is an arbiter there, and the shop has no carrier account
      await b.seed({
        staff: [{ _id: DEMO.merchant, roles: ['ARBITER'], name: '另一个环境的客服' }],
        settings: [{ _id: 'shop', policy: {}, pay: { subMchId: '1900000109', callbackFunction: 'refundCallback' }, logistics: { accounts: [] } }],
      });
      const who = await b.call('queryReturns', { action: 'whoami' }, { openid: DEMO.merchant });
      // the instance A used, kept warm (no cold start) …
      expect(lastInvocation(b)).toMatchObject({ pid: first.pid, cold: false });
      // … answering with B's documents
      expect(who.data).toMatchObject({ roles: ['ARBITER'], name: '另一个环境的客服' });
      const inB = await b.call('queryReturns', { action: 'carrierAccounts' }, { openid: DEMO.admin });
      expect(inB.data.accounts).toEqual([]);
      expect(lastInvocation(b).pid).toBe(first.pid);
    }));
});
