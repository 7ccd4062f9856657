/**
 * @jest-environment jsdom
 *
 * Staff pages against the real functions, where the audit found defects: the
 * work queue's overdue / due-today colours, the confirm-receipt maximum with
 * the buyer's postage claim, the arbiter's lower amount when deciding for the
 * buyer, and the refund number of a failed refund kept on one line.
 */
import { usePages, submitWith, DEMO, type Page } from './support/pages';
import { apply, atTenInShanghai, dispute, must, setDeadline, uploadPhoto } from './support/returns';
import { measure, ORANGE, RED } from './support/styles';

const env = usePages();

/** An attribute of the first rendered node with this class (placeholders are not in the DOM). */
function attrOf(page: Page, cls: string, name: string): string | undefined {
  const find = (n: any): any => {
    if (!n || typeof n !== 'object') return null;
    const c = n.attrs?.find((a: any) => a.name === 'class')?.value;
    if (typeof c === 'string' && c.split(/\s+/).includes(cls)) return n;
    for (const k of n.children ?? []) {
      const hit = find(k);
      if (hit) return hit;
    }
    return null;
  };
  const node = find(page.json());
  return node?.attrs?.find((a: any) => a.name === name)?.value;
}

const reviews = () => env.shim.calls.filter((c) => c.name === 'reviewReturn');

describe('work queue', () => {
  it('an overdue deadline is red, one due today orange', async () => {
    const tenAm = await atTenInShanghai(env);
    const overdue = await apply(env, 'O1001', 'REFUND_ONLY', 'WRONG_ORDER', [{ lineId: 'L2', quantity: 1 }]);
    const today = await apply(env, 'O1003', 'RETURN_REFUND', 'NO_LONGER_WANTED', [{ lineId: 'L1', quantity: 1 }]);
    await setDeadline(env, overdue, new Date(tenAm - 2 * 3_600_000));
    await setDeadline(env, today, new Date(tenAm + 8 * 3_600_000));
    env.as(DEMO.merchant);
    const page = await env.open('staff-queue');
    expect(page.text('.row-overdue .row-deadline')).toContain('已超时');
    expect(page.text('.row-today .row-deadline')).toContain('18:00');
    const seen = await measure(page, 'staff-queue', ['.row-overdue .row-deadline', '.row-today .row-deadline']);
    expect(seen['.row-overdue .row-deadline'].map((m) => m.color)).toEqual([RED]);
    expect(seen['.row-today .row-deadline'].map((m) => m.color)).toEqual([ORANGE]);
  }, 30_000);
});

describe('confirm receipt with a postage claim', () => {
  it('the claim is shown; the maximum is the refund plus the reimbursable postage; above it refused, equal to it sent as no adjustment', async () => {
    const id = await apply(env, 'O1003', 'RETURN_REFUND', 'QUALITY_ISSUE', [{ lineId: 'L2', quantity: 1 }], { evidence: [await uploadPhoto(env)] });
    await must(env, 'reviewReturn', { action: 'approve', returnId: id }, DEMO.merchant);
    await must(env, 'submitLogistics', { returnId: id, mode: 'SELF_SHIP', carrier: 'SF', trackingNo: 'SF1234567890123', postage: 1200 }, DEMO.buyer);

    env.as(DEMO.merchant);
    const page = await env.open('staff-review', { returnId: id });
    expect(page.data.actions.map((a: any) => a.name)).toEqual(['confirmReceipt', 'refuseReceipt', 'propose']);
    expect(page.text('.refund-amount')).toBe('¥150.00');
    expect(page.text('.postage-claim')).toBe('买家申报寄回运费 ¥12.00，可补偿 ¥12.00，已计入全额 ¥162.00');
    expect(attrOf(page, 'amount-input', 'placeholder')).toBe('不填则全额 ¥162.00');

    expect(await submitWith(page, '.amount-input', '162.01')).toBe('退款金额不能超过 ¥162.00');
    expect(reviews()).toHaveLength(0);

    expect(await submitWith(page, '.amount-input', '162')).toBe('');
    const sent = reviews().find((c) => c.data.action === 'confirmReceipt');
    expect(sent?.data).toMatchObject({ action: 'confirmReceipt', returnId: id });
    expect(sent?.data.refundAmount).toBeUndefined();
    expect(page.text('.sh-status')).toBe('退款中');
    // The whole claim went to the buyer: what the payment could carry back online, the rest (here all of it) to be paid offline.
    expect(page.text('.refund-amount')).toBe('¥150.00');
    expect(page.texts('.attention-item')).toEqual(['退货运费中 12.00 元超出可原路退回的余额，请线下补偿买家']);
  });
});

describe('the arbiter decides for the buyer', () => {
  it('RETURN_REFUND: an optional lower amount; above the maximum or lowered without a reason refused on the page; lowered with a reason sent', async () => {
    const id = await apply(env, 'O1004', 'RETURN_REFUND', 'QUALITY_ISSUE', [{ lineId: 'L1', quantity: 1 }], { evidence: [await uploadPhoto(env)] });
    await dispute(env, id);
    env.as(DEMO.arbiter);
    const page = await env.open('staff-review', { returnId: id });
    expect(page.data.actions.map((a: any) => a.name)).toEqual(['decide']);
    expect(page.exists('.decide-amount')).toBe(false);
    await page.tap('.decide-merchant');
    expect(page.exists('.decide-amount')).toBe(false);
    await page.tap('.decide-buyer');
    expect(attrOf(page, 'decide-amount', 'placeholder')).toBe('不填则全额 ¥459.00');

    expect(await submitWith(page, '.decide-amount', '459.5')).toBe('退款金额不能超过 ¥459.00');
    expect(await submitWith(page, '.decide-amount', '429')).toBe('调整退款金额时请填写原因');
    expect(await submitWith(page, '.decide-amount', '12.345')).toBe('退款金额格式不正确（例如 12.50）');
    expect(reviews()).toHaveLength(0);

    await page.input('.decide-reason', '包装缺失，扣除 30 元');
    expect(await submitWith(page, '.decide-amount', '429')).toBe('');
    expect(reviews().map((c) => c.data)).toEqual([
      expect.objectContaining({ action: 'decide', returnId: id, decision: 'BUYER', refundAmount: 42900, reason: '包装缺失，扣除 30 元' }),
    ]);
    expect(page.text('.sh-status')).toBe('待买家寄回');
    expect(page.text('.refund-amount')).toBe('¥429.00');
  });

  it('REFUND_ONLY: no amount field; the decision is sent without one', async () => {
    const id = await apply(env, 'O1002', 'REFUND_ONLY', 'NOT_RECEIVED', [{ lineId: 'L1', quantity: 1 }]);
    await dispute(env, id);
    env.as(DEMO.arbiter);
    const page = await env.open('staff-review', { returnId: id });
    await page.tap('.decide-buyer');
    expect(page.exists('.decide-amount')).toBe(false);
    await page.tap('.submit-btn');
    const sent = reviews().find((c) => c.data.action === 'decide');
    expect(sent?.data).toMatchObject({ decision: 'BUYER' });
    expect(sent?.data.refundAmount).toBeUndefined();
    expect(['退款中', '退款成功']).toContain(page.text('.sh-status'));
  });
});

describe('a refund the platform refused', () => {
  it('the refund number stays on one line, whole', async () => {
    await env.emu.pay({ refund: [{ errCode: 'NOTENOUGH' }] });
    const id = await apply(env, 'O1001', 'REFUND_ONLY', 'WRONG_ORDER', [{ lineId: 'L1', quantity: 2 }]);
    await must(env, 'reviewReturn', { action: 'approve', returnId: id }, DEMO.merchant);
    env.as(DEMO.merchant);
    const page = await env.open('staff-review', { returnId: id });
    expect(page.text('.sh-status')).toBe('退款异常');
    const refundNo = page.data.refunds[0].outRefundNo;
    expect(page.text('.refund-no')).toBe(refundNo);
    expect(page.text('.refund-row')).toContain('退款失败');
    const [shown] = (await measure(page, 'staff-review', ['.refund-no']))['.refund-no'];
    expect(shown).toMatchObject({ text: refundNo, lines: 1, overflows: false });
  }, 30_000);
});
