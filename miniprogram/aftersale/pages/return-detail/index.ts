/**
 * 售后详情 (buyer): status in Chinese, who must act next, a live countdown to
 * the deadline, amounts, return address / logistics, the evidence gallery,
 * the full timeline, and ONLY the buyer actions the server lists in
 * `allowedActions` (modify, cancel, submit / correct logistics, appeal,
 * 确认收到换货). 换货: the replacement(s), postage each way, both waybills
 * (the buyer's way back and the shop's replacement) and, when the exchange
 * was converted to a refund, why.
 * When a dispute was decided against the buyer: what was decided, why, and
 * the server's `advice` (小程序交易投诉, 12315).
 * The appeal form survives a quiet reload (onShow after the photo picker):
 * what was typed and picked stays. Another buyer's after-sale: the 无权查看
 * state with the server's reason, no actions.
 * Options: returnId (or id, from older subscribe messages).
 */
import { api, INITIAL_STATE, loadInto, reportConsent, requestSubscribe, subscribeNow, subscriptionState, toast, type ReturnView } from '../../utils/api';
import { chooseAndUpload, type Uploaded } from '../../utils/upload';
import { countdown } from '../../utils/format';
import { detailView, evidenceRoom, returnIdOf, type DetailView } from '../../utils/views';
import { cacheLineTitles } from '../../utils/orders';
import { MAX_DESCRIPTION, MAX_EVIDENCE } from '../../shared/contract';
import { threadData, threadMethods } from '../../utils/thread';

let ticker: ReturnType<typeof setInterval> | null = null;
const titles: Record<string, Record<string, string>> = {};

Component({
  data: {
    state: { ...INITIAL_STATE },
    returnId: '',
    deadline: '' as string,
    view: null as DetailView | null,
    appealing: false,
    appealText: '',
    appealEvidence: [] as Uploaded[],
    /** Room left on the buyer's side of the evidence limit (the server's count). */
    sideRoom: 0,
    appealRoom: 0,
    maxDescription: MAX_DESCRIPTION,
    maxEvidence: MAX_EVIDENCE,
    busy: false,
    ...threadData('buyer'),
    /** The buyer's one-time consents (progress messages left) and the messages missed for want of one. */
    updates: { left: -1, missed: [] as { text: string }[], advice: '' },
  },

  lifetimes: {
    detached() {
      if (ticker) clearInterval(ticker);
      ticker = null;
    },
  },

  methods: {
    ...threadMethods('buyer'),

    onLoad(options: Record<string, string | undefined>) {
      this.setData({ returnId: returnIdOf(options) });
      this.reload();
    },

    onShow() {
      // back from the logistics / modify page
      if (this.data.view) this.reload(true);
    },

    onUnload() {
      if (ticker) clearInterval(ticker);
      ticker = null;
    },

    onPullDownRefresh() {
      this.reload(true).then(() => wx.stopPullDownRefresh());
    },

    async reload(quiet = false) {
      const id = this.data.returnId;
      const res = quiet ? await api.get(id).catch(() => null) : await loadInto(this, () => api.get(id));
      if (!res) return;
      this.show(res.return);
      this.loadUpdates();
      // Goods titles come from the shop's order (best effort: the after-sale holds line ids only).
      if (!titles[res.return.orderId] && (await cacheLineTitles(titles, res.return.orderId))) this.show(res.return);
    },

    /** Show the after-sale; an open appeal form stays open (with its text and photos) while the server still allows the appeal. */
    show(r: ReturnView) {
      const sideRoom = r.evidenceRoom;
      this.setData({
        view: detailView(r, { titles: titles[r.orderId] }),
        deadline: r.deadline ?? '',
        appealing: this.data.appealing && r.allowedActions.includes('appeal'),
        sideRoom,
        appealRoom: evidenceRoom(sideRoom, this.data.appealEvidence.length),
      });
      this.startTicker();
    },

    startTicker() {
      if (ticker) clearInterval(ticker);
      ticker = null;
      if (!this.data.deadline) return;
      ticker = setInterval(() => {
        const cd = countdown(this.data.deadline);
        if (cd) this.setData({ 'view.countdownText': cd.text, 'view.countdownTone': cd.overdue ? 'overdue' : cd.urgent ? 'urgent' : '' });
      }, 30_000);
    },

    /** How the buyer gets updates: consents left, and the messages that could not be sent. */
    async loadUpdates() {
      const st = await subscriptionState(this.data.returnId).catch(() => null);
      if (!st) return;
      const left = st.consents.statusChanged ?? 0;
      const missed = st.missed.map((m) => ({ text: `${m.status ? `「${m.status}」` : ''}${m.hint}（${m.reason}）` }));
      const open = !!this.data.view && !['REFUNDED', 'CLOSED', 'EXCHANGED'].includes(this.data.view.status);
      const advice = left > 0 || !open ? '' : '微信通知为一次性订阅：每次订阅只能收到一条。点「订阅进度提醒」可接收下一条进度通知，也可随时在「我的售后」查看最新进度。';
      this.setData({ updates: { left, missed, advice } });
    },

    /** 订阅进度提醒: one more progress message per accepted template. */
    async onSubscribe() {
      const accepted = await subscribeNow('detail', this.data.returnId);
      toast(accepted.length ? '已订阅，进度有更新时会通知您' : '未订阅，可随时在本页查看进度');
      await this.loadUpdates();
    },

    onPreviewEvidence(e: WechatMiniprogram.TouchEvent) {
      const url = String(e.currentTarget.dataset.url ?? '');
      const urls = (this.data.view?.evidence ?? []).filter((x) => x.kind !== 'VIDEO' && x.url).map((x) => x.url);
      if (url) wx.previewImage({ urls, current: url });
    },

    onCopy(e: WechatMiniprogram.TouchEvent) {
      wx.setClipboardData({ data: String(e.currentTarget.dataset.text ?? '') });
    },

    /** 复制投诉摘要: the server's ready-to-copy text (order and after-sale numbers, amounts, timeline, decision). */
    onCopySummary() {
      const data = this.data.view?.complaintSummary ?? '';
      if (data) wx.setClipboardData({ data, success: () => toast('投诉摘要已复制，可粘贴到投诉页面') });
    },

    /** 拨打电话: the shop's phone from its settings. */
    onCall(e: WechatMiniprogram.TouchEvent) {
      const phoneNumber = String(e.currentTarget.dataset.phone ?? '');
      if (phoneNumber) wx.makePhoneCall({ phoneNumber });
    },

    /** 同意方案 / 拒绝方案 (the view's actions): confirm, then answer; accepting starts the agreed refund at once. */
    onProposal(e: WechatMiniprogram.TouchEvent) {
      const name = String(e.currentTarget.dataset.name) as 'acceptProposal' | 'declineProposal';
      const p = this.data.view?.proposal;
      if (this.data.busy || !p) return;
      const accept = name === 'acceptProposal';
      wx.showModal({
        title: accept ? '同意协商方案' : '拒绝协商方案',
        content: accept ? `同意后将按方案原路退款 ${p.amountText}，本次售后按此结束。确定同意吗？` : '拒绝后售后将回到商家处理，商家可同意、拒绝或重新协商。确定拒绝吗？',
        confirmText: accept ? '同意' : '拒绝',
        success: async (res) => {
          if (!res.confirm) return;
          this.setData({ busy: true });
          try {
            const { return: r } = await api.answer({ returnId: this.data.returnId, action: name });
            toast(accept ? '已同意，退款处理中' : '已拒绝方案，等待商家处理', accept ? 'success' : 'none');
            this.show(r);
          } catch {
            /* toast shown */
            await this.reload(true);
          } finally {
            this.setData({ busy: false });
          }
        },
      });
    },

    // ---------------------------------------------------------------- actions

    onAction(e: WechatMiniprogram.TouchEvent) {
      const name = String(e.currentTarget.dataset.name);
      const id = this.data.returnId;
      switch (name) {
        case 'modify':
          wx.navigateTo({ url: `../apply/index?returnId=${id}` });
          return;
        case 'submitLogistics':
        case 'correctLogistics':
          // the logistics page asks for consent on its own submit tap
          wx.navigateTo({ url: `../logistics/index?returnId=${id}` });
          return;
        case 'appeal':
          this.setData({ appealing: true });
          return;
        case 'cancel':
          this.confirmCancel();
          return;
        case 'confirmExchange':
          this.confirmExchange();
          return;
      }
    },

    /** 确认收到换货: confirm, then applyReturn confirmExchange (a fresh requestId per tap; a network retry reuses it). */
    confirmExchange() {
      this.confirmThen(
        { title: '确认收到换货', content: '请确认已收到换货商品且尺码、颜色无误。确认后本次换货完成。', confirmText: '确认收货' },
        () => api.confirmExchange(this.data.returnId),
        '换货已完成',
        // refused (e.g. confirmed meanwhile): the server's reason was toasted; show what the after-sale is now
        true,
      );
    },

    confirmCancel() {
      this.confirmThen(
        { title: '撤销售后申请', content: '撤销后本次申请将关闭，如仍有问题可重新申请。确定撤销吗？', confirmText: '撤销', confirmColor: '#fa5151' },
        () => api.cancel(this.data.returnId),
        '已撤销',
      );
    },

    /** A buyer action behind a confirmation dialog: busy while it runs, the server's answer shown (errors: the api's toast). */
    confirmThen(
      modal: { title: string; content: string; confirmText: string; confirmColor?: string },
      act: () => Promise<{ return: ReturnView }>,
      done: string,
      reloadOnError = false,
    ) {
      if (this.data.busy) return;
      wx.showModal({
        ...modal,
        success: async (res) => {
          if (!res.confirm) return;
          this.setData({ busy: true });
          try {
            const { return: r } = await act();
            toast(done, 'success');
            this.show(r);
          } catch {
            /* toast shown */
            if (reloadOnError) await this.reload(true);
          } finally {
            this.setData({ busy: false });
          }
        },
      });
    },

    onAppealText(e: WechatMiniprogram.Input) {
      this.setData({ appealText: e.detail.value });
    },

    setAppealEvidence(appealEvidence: Uploaded[]) {
      this.setData({ appealEvidence, appealRoom: evidenceRoom(this.data.sideRoom, appealEvidence.length) });
    },

    async onAppealEvidence() {
      const added = await chooseAndUpload(evidenceRoom(this.data.sideRoom, this.data.appealEvidence.length), ['image']);
      if (added.length) this.setAppealEvidence([...this.data.appealEvidence, ...added]);
    },

    onAppealRemove(e: WechatMiniprogram.TouchEvent) {
      const appealEvidence = this.data.appealEvidence.slice();
      appealEvidence.splice(Number(e.currentTarget.dataset.index), 1);
      this.setAppealEvidence(appealEvidence);
    },

    onAppealCancel() {
      this.setData({ appealing: false });
    },

    async onAppealSubmit() {
      if (this.data.busy) return;
      const description = this.data.appealText.trim();
      if (!description) {
        toast('请填写申诉说明');
        return;
      }
      this.setData({ busy: true });
      // one-time consent for the arbiter's decision
      const accepted = await requestSubscribe('appeal');
      try {
        const ev = this.data.appealEvidence.map((x) => x.fileID);
        const { return: r } = await api.appeal({ returnId: this.data.returnId, description, ...(ev.length ? { evidence: ev } : {}) }).finally(() => {
          void reportConsent(accepted, this.data.returnId);
        });
        toast('已申请店铺主管复核', 'success');
        this.setData({ appealing: false, appealText: '' });
        this.setAppealEvidence([]);
        this.show(r);
        this.loadUpdates();
      } catch {
        /* toast shown */
      } finally {
        this.setData({ busy: false });
      }
    },
  },
});
