/**
 * @jest-environment jsdom
 *
 * The after-sale as a conversation, on the real pages against the real
 * functions: the merchant's 协商 form (kinds from the table, amount in yuan,
 * reason, inspection photos), the buyer's proposal panel (同意 / 拒绝方案),
 * 协商历史 on both detail pages, the 留言 thread from both sides with its
 * refusals, the unread count in the work queue, 联系商家, and the complaint
 * summary (a review against the buyer, a failed refund past the shop's deadline).
 */
import { usePages, DEMO, type Page } from './support/pages';
import { apply, dispute, must, pickedPhotos, seedOrder, setContact, setDeadline, uploadPhoto } from './support/returns';

const env = usePages();

/** The first rendered node with this class (attributes the DOM lacks: open-type and session-from, camel-cased by simulate). */
function nodeOf(page: Page, cls: string): any {
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
  return find(page.json());
}
const attrOf = (page: Page, cls: string, name: string) => nodeOf(page, cls)?.attrs?.find((a: any) => a.name === name)?.value;

const calls = (name: string, action: string) => env.shim.calls.filter((c) => c.name === name && c.data.action === action);
const statusOf = async (id: string) => (await env.emu.db('returns')).find((r: any) => r._id === id)?.status;

describe('协商: the merchant proposes, the buyer answers', () => {
  it('partial refund proposed on the staff page → the buyer sees what, how much, why, by when → accepts → the agreed refund runs; 协商历史 on both sides', async () => {
    const orderId = await seedOrder(env, 20000);
    const id = await apply(env, orderId, 'RETURN_REFUND', 'NO_LONGER_WANTED', [{ lineId: 'L1', quantity: 1 }]);

    env.as(DEMO.merchant);
    const staff = await env.open('staff-review', { returnId: id });
    expect(staff.data.actions.map((a: any) => a.name)).toEqual(['approve', 'reject', 'propose']);
    await staff.tap('.tab-propose');
    // RETURN_REFUND in review: a partial refund (goods kept) or a full refund without return
    expect(staff.texts('.propose-kind')).toEqual(['部分退款，商品无需退回', '全额退款，商品无需退回']);
    expect(staff.text('.submit-btn')).toBe('发送协商方案');
    // the buyer's answer window comes from the shop's policy (48 h in the demo shop), not from the page
    expect(staff.text('.propose-hint')).toContain('买家需在 48 小时内确认');
    await staff.tap('.submit-btn');
    expect(staff.text('.form-error')).toBe('请填写协商退款金额');
    await staff.input('.propose-amount', '200.01');
    await staff.tap('.submit-btn');
    expect(staff.text('.form-error')).toBe('退款金额不能超过 ¥200.00');
    await staff.input('.propose-amount', '120');
    await staff.tap('.submit-btn');
    expect(staff.text('.form-error')).toBe('请填写协商说明');
    expect(calls('reviewReturn', 'propose')).toEqual([]);
    await staff.input('.propose-reason', '商品不影响使用，建议您保留商品，退您 120 元');
    await staff.tap('.submit-btn');
    expect(staff.text('.form-error')).toBe('');
    expect(calls('reviewReturn', 'propose')[0].data).toMatchObject({ kind: 'PARTIAL_REFUND', refundAmount: 12000, reason: '商品不影响使用，建议您保留商品，退您 120 元' });
    expect(env.shim.toasts).toContain('方案已发送，等待买家确认');
    expect(await statusOf(id)).toBe('NEGOTIATING');
    // the merchant has nothing to do while the buyer answers; the history shows the open proposal
    expect(staff.exists('.no-actions')).toBe(true);
    expect(staff.texts('.negotiation-item .nego-outcome')).toEqual(['等待买家确认']);

    env.as(DEMO.buyer);
    const buyer = await env.open('return-detail', { returnId: id });
    expect(buyer.text('.status-label')).toBe('协商待确认');
    expect(buyer.text('.status-next')).toBe('等待买家确认商家的协商方案');
    expect(buyer.text('.proposal-kind')).toBe('方案：部分退款，商品无需退回');
    expect(buyer.text('.proposal-amount')).toBe('¥120.00');
    expect(buyer.text('.proposal-reason')).toBe('商家说明：商品不影响使用，建议您保留商品，退您 120 元');
    expect(buyer.text('.proposal-answer-by')).toMatch(/^请在 \d{4}-\d{2}-\d{2} \d{2}:\d{2} 前确认/);
    expect(buyer.texts('.proposal-buttons .btn')).toEqual(['拒绝方案', '同意方案']);
    // answered in the panel, not in the action bar
    expect(buyer.exists('.action-acceptProposal')).toBe(false);
    await buyer.tap('.proposal-acceptProposal');
    expect(env.shim.modals.at(-1)?.content).toContain('¥120.00');
    expect(calls('applyReturn', 'acceptProposal')).toHaveLength(1);
    expect(buyer.text('.status-label')).toBe('退款中');
    expect(buyer.exists('.proposal-box')).toBe(false);
    expect(buyer.text('.refund-amount')).toBe('¥120.00');
    expect(buyer.texts('.negotiation-item .nego-outcome')).toEqual(['买家已同意']);
    expect(buyer.text('.negotiation-item .nego-amount')).toBe('退款金额 ¥120.00');

    env.as(DEMO.merchant);
    await staff.run('reload', true);
    expect(staff.texts('.negotiation-item .nego-outcome')).toEqual(['买家已同意']);
  }, 60_000);

  it('declined: back to the merchant, who may propose again; a refund-only offers the partial refund only', async () => {
    const orderId = await seedOrder(env, 9900, 'PAID');
    const id = await apply(env, orderId, 'REFUND_ONLY', 'WRONG_ORDER', [{ lineId: 'L1', quantity: 1 }]);
    env.as(DEMO.merchant);
    const staff = await env.open('staff-review', { returnId: id });
    await staff.tap('.tab-propose');
    expect(staff.texts('.propose-kind')).toEqual(['部分退款，商品无需退回']);
    await staff.input('.propose-amount', '50.5');
    await staff.input('.propose-reason', '已发货在途，建议部分退款');
    await staff.tap('.submit-btn');
    expect(calls('reviewReturn', 'propose')[0].data).toMatchObject({ kind: 'PARTIAL_REFUND', refundAmount: 5050 });

    env.as(DEMO.buyer);
    env.shim.modalConfirm = true;
    const buyer = await env.open('return-detail', { returnId: id });
    await buyer.tap('.proposal-declineProposal');
    expect(calls('applyReturn', 'declineProposal')).toHaveLength(1);
    expect(buyer.text('.status-label')).toBe('待商家处理');
    expect(buyer.exists('.proposal-box')).toBe(false);
    expect(buyer.texts('.negotiation-item .nego-outcome')).toEqual(['买家已拒绝']);

    env.as(DEMO.merchant);
    await staff.run('reload', true);
    expect(staff.data.actions.map((a: any) => a.name)).toContain('propose');
    expect(staff.texts('.negotiation-item .nego-outcome')).toEqual(['买家已拒绝']);
  }, 60_000);

  it('a lower amount after receipt needs inspection photos; no 协商 tab where the table allows none', async () => {
    const orderId = await seedOrder(env, 30000);
    const id = await apply(env, orderId, 'RETURN_REFUND', 'NO_LONGER_WANTED', [{ lineId: 'L1', quantity: 1 }]);
    await must(env, 'reviewReturn', { action: 'approve', returnId: id }, DEMO.merchant);
    env.as(DEMO.merchant);
    const waiting = await env.open('staff-review', { returnId: id });
    // AWAITING_SHIPMENT: the buyer acts; nothing to propose
    expect(waiting.exists('.tab-propose')).toBe(false);
    await must(env, 'submitLogistics', { returnId: id, mode: 'SELF_SHIP', carrier: 'SF', trackingNo: 'SF1234567890999' }, DEMO.buyer);
    await waiting.run('reload', true);
    expect(waiting.data.actions.map((a: any) => a.name)).toEqual(['confirmReceipt', 'refuseReceipt', 'propose']);
    await waiting.tap('.tab-propose');
    expect(waiting.texts('.propose-kind')).toEqual(['验货后协商退款金额']);
    await waiting.input('.propose-amount', '250');
    await waiting.input('.propose-reason', '鞋底有明显磨损，扣除 50 元');
    await waiting.tap('.submit-btn');
    expect(waiting.text('.form-error')).toBe('验货后协商金额需要上传验货照片');
    env.shim.nextMedia = pickedPhotos(1);
    await waiting.tap('.staff-add-evidence');
    await waiting.tap('.submit-btn');
    expect(waiting.text('.form-error')).toBe('');
    const sent = calls('reviewReturn', 'propose')[0].data;
    expect(sent).toMatchObject({ kind: 'LOWER_AFTER_RECEIPT', refundAmount: 25000 });
    expect(sent.evidence).toHaveLength(1);
    expect(await statusOf(id)).toBe('NEGOTIATING');

    env.as(DEMO.buyer);
    const buyer = await env.open('return-detail', { returnId: id });
    expect(buyer.text('.proposal-kind')).toBe('方案：验货后协商退款金额');
    expect(buyer.exists('.proposal-photos .thumb')).toBe(true);
  }, 60_000);

  it("the fourth proposal is refused with the server's Chinese reason", async () => {
    const orderId = await seedOrder(env, 10000, 'PAID');
    const id = await apply(env, orderId, 'REFUND_ONLY', 'WRONG_ORDER', [{ lineId: 'L1', quantity: 1 }]);
    for (let i = 0; i < 3; i++) {
      await must(env, 'reviewReturn', { action: 'propose', returnId: id, kind: 'PARTIAL_REFUND', refundAmount: 5000 + i, reason: `第 ${i + 1} 次协商` }, DEMO.merchant);
      await must(env, 'applyReturn', { action: 'declineProposal', returnId: id }, DEMO.buyer);
    }
    env.as(DEMO.merchant);
    const staff = await env.open('staff-review', { returnId: id });
    expect(staff.texts('.negotiation-item')).toHaveLength(3);
    // the table no longer offers it
    expect(staff.exists('.tab-propose')).toBe(false);
  }, 60_000);
});

describe('留言: the thread from both sides', () => {
  it('the buyer writes with a photo → the work queue counts it unread → staff read and reply → the buyer sees 商家 and the reply', async () => {
    const orderId = await seedOrder(env, 15000);
    const id = await apply(env, orderId, 'RETURN_REFUND', 'QUALITY_ISSUE', [{ lineId: 'L1', quantity: 1 }], { evidence: [await uploadPhoto(env)] });

    env.as(DEMO.buyer);
    const buyer = await env.open('return-detail', { returnId: id });
    expect(buyer.text('.thread-empty')).toContain('还没有留言');
    // refused on the page with the functions' own messages
    await buyer.tap('.msg-send');
    expect(buyer.text('.msg-error')).toBe('请填写留言内容');
    await buyer.input('.msg-input', '长'.repeat(501));
    await buyer.tap('.msg-send');
    expect(buyer.text('.msg-error')).toBe('留言内容不能超过 500 字');
    expect(calls('applyReturn', 'message')).toEqual([]);
    await buyer.input('.msg-input', '开机就有异响，视频太大传不了，先发张照片');
    env.shim.nextMedia = pickedPhotos(4);
    await buyer.tap('.msg-add');
    // at most 3 photos: the picker was asked for 3, the add button is gone
    expect(buyer.texts('.msg-picked')).toHaveLength(3);
    expect(buyer.exists('.msg-add')).toBe(false);
    await buyer.tap('.msg-remove', 2);
    await buyer.tap('.msg-remove', 1);
    await buyer.tap('.msg-send');
    expect(buyer.text('.msg-error')).toBe('');
    expect(calls('applyReturn', 'message')[0].data.evidence).toHaveLength(1);
    expect(buyer.texts('.msg .msg-who')).toEqual(['我']);
    expect(buyer.text('.msg-mine .msg-text')).toBe('开机就有异响，视频太大传不了，先发张照片');
    expect(buyer.exists('.msg-mine .msg-photo')).toBe(true);
    expect(buyer.data.msgText).toBe('');

    env.as(DEMO.merchant);
    const queue = await env.open('staff-queue');
    const row = queue.data.items.findIndex((i: any) => i.returnId === id);
    expect(queue.data.items[row].unread).toBe(1);
    expect(queue.texts('.queue-item')[row]).toContain('1 条新留言');

    const staff = await env.open('staff-review', { returnId: id });
    expect(staff.texts('.msg .msg-who')).toEqual(['买家']);
    expect(staff.text('.thread-unread')).toBe('1 条新留言');
    await staff.input('.msg-input', '收到，请寄回后我们检测');
    await staff.tap('.msg-send');
    expect(calls('reviewReturn', 'message')).toHaveLength(1);
    expect(staff.texts('.msg .msg-who')).toEqual(['买家', '我']);
    await queue.run('reload', true);
    // read on opening: no more unread for staff
    expect(queue.data.items.find((i: any) => i.returnId === id).unread).toBe(0);

    env.as(DEMO.buyer);
    await buyer.run('reload', true);
    expect(buyer.text('.thread-unread')).toBe('1 条新留言');
    expect(buyer.texts('.msg .msg-who')).toEqual(['我', '商家']);
    expect(buyer.text('.msg-other .msg-text')).toBe('收到，请寄回后我们检测');
    // the status never moved
    expect(buyer.text('.status-label')).toBe('待商家处理');
  }, 60_000);

  it('rate-limited and closed: the refusal is said in Chinese under the form; a finished after-sale has no form', async () => {
    const orderId = await seedOrder(env, 8000, 'PAID');
    const id = await apply(env, orderId, 'REFUND_ONLY', 'WRONG_ORDER', [{ lineId: 'L1', quantity: 1 }]);
    for (let i = 0; i < 10; i++) await must(env, 'applyReturn', { action: 'message', returnId: id, text: `第 ${i + 1} 条` }, DEMO.buyer);
    env.as(DEMO.buyer);
    const buyer = await env.open('return-detail', { returnId: id });
    expect(buyer.texts('.msg')).toHaveLength(10);
    await buyer.input('.msg-input', '第 11 条');
    await buyer.tap('.msg-send');
    expect(buyer.text('.msg-error')).toMatch(/^留言太频繁/);
    expect(buyer.data.msgText).toBe('第 11 条');

    await must(env, 'applyReturn', { action: 'cancel', returnId: id }, DEMO.buyer);
    await buyer.tap('.msg-send');
    expect(buyer.text('.msg-error')).toMatch(/已结束，不能再留言$/);
    await buyer.run('reload', true);
    expect(buyer.exists('.msg-form')).toBe(false);
    expect(buyer.texts('.msg')).toHaveLength(10);
  }, 60_000);
});

describe('联系商家', () => {
  it('customer service and phone shown only when configured, on the detail and the modify page', async () => {
    const orderId = await seedOrder(env, 6000);
    const id = await apply(env, orderId, 'RETURN_REFUND', 'NO_LONGER_WANTED', [{ lineId: 'L1', quantity: 1 }]);
    env.as(DEMO.buyer);
    await setContact(env, null);
    const none = await env.open('return-detail', { returnId: id });
    expect(none.exists('.contact-box')).toBe(false);

    await setContact(env, { phone: '400-820-8820', customerService: true });
    const both = await env.open('return-detail', { returnId: id });
    expect(both.text('.contact-box .cell-label')).toBe('联系商家');
    expect(attrOf(both, 'contact-service', 'openType')).toBe('contact');
    expect(attrOf(both, 'contact-service', 'sessionFrom')).toBe(id);
    await both.tap('.contact-phone');
    expect(env.shim.phoneCalls).toEqual(['400-820-8820']);

    const modify = await env.open('apply', { returnId: id });
    expect(modify.exists('.contact-service')).toBe(true);
    expect(modify.exists('.contact-phone')).toBe(true);

    await setContact(env, { phone: '021-12345678' });
    const phoneOnly = await env.open('return-detail', { returnId: id });
    expect(phoneOnly.exists('.contact-service')).toBe(false);
    expect(phoneOnly.exists('.contact-phone')).toBe(true);

    // staff never see the buyer's contact entry
    env.as(DEMO.merchant);
    const staff = await env.open('staff-review', { returnId: id });
    expect(staff.exists('.contact-box')).toBe(false);
    await setContact(env, null);
  }, 60_000);
});

describe('honest disputes and overdue refunds', () => {
  it("after the shop's arbiter decided against the buyer: 主管复核 wording, the advice, and 复制投诉摘要", async () => {
    const orderId = await seedOrder(env, 12000);
    const id = await apply(env, orderId, 'RETURN_REFUND', 'NO_LONGER_WANTED', [{ lineId: 'L1', quantity: 1 }]);
    await dispute(env, id);
    env.as(DEMO.buyer);
    const under = await env.open('return-detail', { returnId: id });
    expect(under.text('.status-label')).toBe('主管复核中');
    expect(under.text('.status-next')).toBe('等待店铺主管复核');
    expect(under.text('.deadline-text')).toMatch(/^截止 /);
    expect(under.text('.dispute-text')).toMatch(/^您的申诉由本店主管复核（不是微信平台介入）.*逾期未复核的，系统将按支持您处理。$/);
    await must(env, 'reviewReturn', { action: 'decide', returnId: id, decision: 'MERCHANT', reason: '验货视频显示已使用' }, DEMO.arbiter);
    const lost = await env.open('return-detail', { returnId: id });
    expect(lost.text('.decision-title')).toBe('店铺主管复核：支持商家，本次售后不予退款');
    expect(lost.text('.decision-why')).toBe('复核理由：验货视频显示已使用');
    expect(lost.text('.advice-text')).toContain('12315');
    expect(JSON.stringify(lost.json())).not.toContain('平台');
    await lost.tap('.advice-box .complaint-copy');
    expect(env.shim.clipboard).toHaveLength(1);
    expect(env.shim.clipboard[0]).toContain(`售后单号：${id}`);
    expect(env.shim.clipboard[0]).toContain('复核结果：支持商家，理由：验货视频显示已使用');
    expect(env.shim.toasts).toContain('投诉摘要已复制，可粘贴到投诉页面');
  }, 60_000);

  it("a failed refund past the merchant's deadline: the buyer is told the shop is overdue and can copy the summary; the queue marks it overdue", async () => {
    const orderId = await seedOrder(env, 7700, 'PAID');
    const id = await apply(env, orderId, 'REFUND_ONLY', 'WRONG_ORDER', [{ lineId: 'L1', quantity: 1 }]);
    await env.emu.pay({ refund: [{ errCode: 'NOTENOUGH' }] });
    await must(env, 'reviewReturn', { action: 'approve', returnId: id }, DEMO.merchant);
    expect(await statusOf(id)).toBe('REFUND_FAILED');
    env.as(DEMO.buyer);
    const inTime = await env.open('return-detail', { returnId: id });
    expect(inTime.text('.status-next')).toBe('等待商家处理退款异常');
    expect(inTime.text('.deadline-text')).toMatch(/^截止 /);
    expect(inTime.exists('.shop-overdue')).toBe(false);

    await setDeadline(env, id, new Date((await env.emu.now()) - 3_600_000));
    await env.syncClock();
    const late = await env.open('return-detail', { returnId: id });
    expect(late.text('.shop-overdue .notice-title')).toBe('商家已超过处理期限');
    await late.tap('.shop-overdue .complaint-copy');
    expect(env.shim.clipboard[0]).toContain('商家已超过处理期限');
    expect(env.shim.clipboard[0]).toContain(`订单号：${orderId}`);

    env.as(DEMO.merchant);
    const queue = await env.open('staff-queue', { status: 'REFUND_FAILED' });
    const row = queue.data.items.findIndex((i: any) => i.returnId === id);
    expect(queue.data.items[row]).toMatchObject({ overdue: true, statusLabel: '退款异常' });
    expect(queue.texts('.queue-item')[row]).toContain('已超时');
  }, 60_000);
});
