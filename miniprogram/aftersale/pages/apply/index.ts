/**
 * 申请售后 (and 修改申请 with `returnId`): type, lines and quantities, reason,
 * description, photo/video evidence, and a LIVE preview from applyReturn
 * `preview` (eligible or the Chinese refusal reasons, refund amount, who pays
 * return shipping, the merchant's deadline) before anything is submitted.
 * A preview that could not be run (network, system busy) is not a refusal:
 * a neutral notice with 重试. Modifying shows the buyer's files already
 * attached (read-only): they count for a reason that needs a photo and for
 * the room left (9 per side). Another buyer's order or after-sale: the 无权限
 * state with the server's reason, no form.
 * 换货 (EXCHANGE): per selected line, the sizes / colours it may be swapped
 * for (queryReturns exchangeOptions: same product, same price, in stock —
 * nothing else is offered), the line's reason when it has none, and a hint
 * when other-price SKUs exist (退货退款 + a new order); the preview shows the
 * replacement, who pays postage each way and both deadlines (ship the
 * replacement, confirm it); apply / modify send `replacements`.
 * Options: orderId (+ lineId to preselect a line), or returnId to modify.
 */
import { api, ApiError, errorText, failedState, INITIAL_STATE, loadInto, reportConsent, requestSubscribe, toast, type PreviewData, type ReturnView } from '../../utils/api';
import { getOrder, type Order } from '../../utils/orders';
import { chooseAndUpload, type Uploaded } from '../../utils/upload';
import { shopTime, yuan } from '../../utils/format';
import { buyerFiles, evidenceRoom } from '../../utils/views';
import { config } from '../../config';
import { MAX_DESCRIPTION, MAX_EVIDENCE, REASONS, REASON_CODES, RETURN_TYPE_LABELS, type ExchangeLineOptions } from '../../shared/contract';

interface LineRow {
  lineId: string;
  title: string;
  purchased: number;
  priceText: string;
  selected: boolean;
  qty: number;
  /** 换货: the in-stock same-price SKUs this line may be swapped for (labels as the server's attrsText). */
  skuOptions: { skuId: string; label: string; current: boolean }[];
  /** The chosen replacement ('' until chosen). */
  skuId: string;
  /** Why the line cannot be exchanged ('' when it can). */
  unavailable: string;
  /** Other-price SKUs exist: they need 退货退款 and a new order. */
  otherPricesText: string;
}

interface PreviewView {
  loading: boolean;
  /** The preview could not be run (network, system busy): not a refusal; 重试 runs it again. */
  failed: string;
  eligible: boolean;
  refusals: { code: string; message: string; lineTitle: string }[];
  totalText: string;
  itemsText: string;
  shippingText: string;
  freightText: string;
  deadlineText: string;
  windowText: string;
  /** Re-applying after a rejection: the rejected after-sale this one replaces. */
  supersedesText: string;
  /** 换货: what each line becomes, postage each way, the shop's and the buyer's deadlines (null for the other types). */
  exchange: null | {
    replacements: { lineId: string; fromText: string; toText: string; qtyText: string }[];
    freightText: string;
    reshipText: string;
    confirmText: string;
  };
}

const TYPE_OPTIONS = [
  { value: 'REFUND_ONLY', label: RETURN_TYPE_LABELS.REFUND_ONLY, desc: '未收到货，或与商家协商不退货' },
  { value: 'RETURN_REFUND', label: RETURN_TYPE_LABELS.RETURN_REFUND, desc: '已收到货，需要寄回商品' },
  { value: 'EXCHANGE', label: RETURN_TYPE_LABELS.EXCHANGE, desc: '寄回后换同款其他尺码/颜色' },
];

const REASON_OPTIONS = REASON_CODES.map((code) => ({ code, label: REASONS[code].label, photo: REASONS[code].evidenceRequired }));
type ReasonOption = (typeof REASON_OPTIONS)[number];

/** The reasons a type may be applied for: 未收到货 cannot be exchanged (the server refuses it too). */
function reasonsFor(type: string): ReasonOption[] {
  return type === 'EXCHANGE' ? REASON_OPTIONS.filter((r) => r.code !== 'NOT_RECEIVED') : REASON_OPTIONS;
}

/** The server's attrsText of a SKU (颜色 / 尺码 values). */
function attrsText(attrs: Record<string, string>, title: string): string {
  return Object.values(attrs).join(' / ') || title;
}

/** The exchange fields of a line row from queryReturns exchangeOptions (the chosen SKU kept when it is still offered). */
function exchangeFields(o: ExchangeLineOptions | undefined, chosen: string) {
  const skuOptions = (o?.options ?? []).map((x) => ({ skuId: x.skuId, label: `${attrsText(x.attrs, x.title)}${x.current ? '（当前）' : ''}`, current: x.current }));
  return {
    skuOptions,
    skuId: skuOptions.some((x) => x.skuId === chosen) ? chosen : '',
    unavailable: o ? (o.unavailable ?? '') : '该商品暂无可换规格，可申请退货退款',
    otherPricesText: o && o.otherPrices > 0 ? `另有 ${o.otherPrices} 个规格价格不同，不能直接换；如需要，请申请退货退款后重新下单` : '',
  };
}

const NO_EXCHANGE = { skuOptions: [], skuId: '', unavailable: '', otherPricesText: '' };

/** Errors of the preview that are answers about the request (shown as refusals); any other is a failure to check (重试). */
const REFUSAL_CODES = new Set<string>(['INVALID_ARGUMENT', 'NOT_ELIGIBLE', 'NOT_FOUND', 'RETURN_ALREADY_OPEN']);

let previewTimer: ReturnType<typeof setTimeout> | null = null;
let previewSeq = 0;

Component({
  data: {
    state: { ...INITIAL_STATE },
    mode: 'apply' as 'apply' | 'modify',
    orderId: '',
    returnId: '',
    /** 联系商家 (modify: from the after-sale's view; a new application has no view to read it from). */
    contact: null as null | { phone: string; customerService: boolean },
    orderStatusText: '',
    typeOptions: TYPE_OPTIONS,
    type: 'REFUND_ONLY',
    lines: [] as LineRow[],
    reasonOptions: REASON_OPTIONS,
    reasonLabels: REASON_OPTIONS.map((r) => r.label),
    /** 换货 options: not asked yet, being read, read, or the read failed (重试). */
    exchangeState: 'idle' as 'idle' | 'loading' | 'ready' | 'failed',
    exchangeError: '',
    reasonIndex: -1,
    reasonLabel: '',
    photoRequired: false,
    description: '',
    maxDescription: MAX_DESCRIPTION,
    evidence: [] as Uploaded[],
    /** Modify: the buyer's files already attached (shown read-only, counted for the photo rule and the limit). */
    existingEvidence: [] as { fileID: string; kind: string; url: string }[],
    maxEvidence: MAX_EVIDENCE,
    /** Room on the buyer's side of the evidence limit (the server's, once an after-sale is loaded). */
    sideRoom: MAX_EVIDENCE,
    evidenceRoom: MAX_EVIDENCE,
    preview: null as PreviewView | null,
    previewHint: '请选择售后原因，查看是否符合售后条件和可退金额',
    canSubmit: false,
    submitting: false,
  },

  methods: {
    onLoad(options: Record<string, string | undefined>) {
      if (options.returnId) this.loadModify(options.returnId);
      else this.loadApply(options.orderId ?? '', options.lineId);
    },

    onUnload() {
      if (previewTimer) clearTimeout(previewTimer);
      previewTimer = null;
    },

    async loadApply(orderId: string, lineId?: string) {
      this.setData({ orderId, mode: 'apply' });
      const order = await loadInto(this, () => getOrder(orderId));
      if (!order) return;
      this.setData({
        orderStatusText: orderStatusText(order),
        type: order.status === 'PAID' ? 'REFUND_ONLY' : 'RETURN_REFUND',
        lines: order.lines.map((l) => ({
          lineId: l.lineId,
          title: l.title,
          purchased: l.quantity,
          priceText: `实付 ${yuan(l.paidAmount)} · 共 ${l.quantity} 件`,
          selected: lineId ? l.lineId === lineId : order.lines.length === 1,
          qty: l.quantity,
          ...NO_EXCHANGE,
        })),
      });
      this.refreshPreview(true);
    },

    /** 拨打电话: the shop's phone from its settings. */
    onCall(e: WechatMiniprogram.TouchEvent) {
      const phoneNumber = String(e.currentTarget.dataset.phone ?? '');
      if (phoneNumber) wx.makePhoneCall({ phoneNumber });
    },

    async loadModify(returnId: string) {
      this.setData({ returnId, mode: 'modify' });
      const loaded = await loadInto(this, async () => {
        const { return: ret } = await api.get(returnId);
        const order = await getOrder(ret.orderId);
        return { ret, order };
      });
      if (!loaded) return;
      const { ret, order } = loaded as { ret: ReturnView; order: Order };
      const reasonOptions = reasonsFor(ret.type);
      const reasonIndex = reasonOptions.findIndex((r) => r.code === ret.reason);
      const existingEvidence = buyerFiles(ret);
      this.setData({
        // 联系商家: settings.contact reaches the buyer only through an after-sale's view (queryReturns get)
        contact: ret.contact && (ret.contact.phone || ret.contact.customerService) ? { phone: ret.contact.phone ?? '', customerService: !!ret.contact.customerService } : null,
        existingEvidence,
        sideRoom: ret.evidenceRoom,
        evidenceRoom: evidenceRoom(ret.evidenceRoom, this.data.evidence.length),
        orderId: ret.orderId,
        orderStatusText: orderStatusText(order),
        type: ret.type,
        typeOptions: TYPE_OPTIONS.filter((t) => t.value === ret.type),
        reasonOptions,
        reasonLabels: reasonOptions.map((r) => r.label),
        reasonIndex,
        reasonLabel: reasonOptions[reasonIndex]?.label ?? '',
        photoRequired: !!reasonOptions[reasonIndex]?.photo,
        description: ret.description ?? '',
        lines: order.lines.map((l) => {
          const mine = ret.lines.find((x) => x.lineId === l.lineId);
          return {
            lineId: l.lineId,
            title: l.title,
            purchased: l.quantity,
            priceText: `实付 ${yuan(l.paidAmount)} · 共 ${l.quantity} 件`,
            selected: !!mine,
            qty: mine?.quantity ?? l.quantity,
            ...NO_EXCHANGE,
            // 换货: the replacement asked for (kept when the options are read and it is still offered)
            skuId: ret.exchange?.replacements.find((x) => x.lineId === l.lineId)?.skuId ?? '',
          };
        }),
        previewHint: '修改后将重新提交给商家处理，可退金额以提交结果为准',
        canSubmit: true,
      });
      if (ret.type === 'EXCHANGE') this.loadExchangeOptions();
    },

    /** 换货: the SKUs each line may be swapped for (read once per page; a failed read is shown with 重试, never taken as "nothing to offer"). */
    async loadExchangeOptions() {
      if (this.data.exchangeState === 'loading' || this.data.exchangeState === 'ready') return;
      this.setData({ exchangeState: 'loading', exchangeError: '' });
      this.refreshPreview(true);
      try {
        const { lines } = await api.exchangeOptions(this.data.orderId);
        const rows = this.data.lines.map((l) => ({
          ...l,
          ...exchangeFields(
            lines.find((o) => o.lineId === l.lineId),
            l.skuId,
          ),
        }));
        this.setData({ lines: rows, exchangeState: 'ready' });
      } catch (e) {
        this.setData({ exchangeState: 'failed', exchangeError: errorText(e) });
      }
      this.refreshPreview(true);
    },

    onRetryExchange() {
      this.loadExchangeOptions();
    },

    /** 换货: the size / colour chosen for a line (only offered SKUs can be tapped). */
    onSku(e: WechatMiniprogram.TouchEvent) {
      const i = Number(e.currentTarget.dataset.index);
      const skuId = String(e.currentTarget.dataset.sku ?? '');
      const line = this.data.lines[i];
      if (!line || !line.skuOptions.some((o) => o.skuId === skuId) || line.skuId === skuId) return;
      this.setData({ [`lines[${i}].skuId`]: skuId });
      this.refreshPreview(true);
    },

    /** 换货: what still stops the request before the server is asked ('' when nothing: every selected line has its replacement). */
    exchangeProblem(): string {
      if (this.data.type !== 'EXCHANGE') return '';
      if (this.data.exchangeState === 'loading' || this.data.exchangeState === 'idle') return '正在读取可换的尺码/颜色…';
      if (this.data.exchangeState === 'failed') return `暂时无法读取可换的尺码/颜色：${this.data.exchangeError}`;
      for (const l of this.data.lines.filter((x) => x.selected)) {
        if (l.unavailable) return `「${l.title}」${l.unavailable}`;
        if (!l.skuId) return `请为「${l.title}」选择要换的尺码/颜色`;
      }
      return '';
    },

    // ---------------------------------------------------------------- form

    onType(e: WechatMiniprogram.TouchEvent) {
      const type = String(e.currentTarget.dataset.value);
      if (type === this.data.type) return;
      // the reasons this type takes; the one chosen stays when it still applies
      const code = this.data.reasonOptions[this.data.reasonIndex]?.code;
      const reasonOptions = reasonsFor(type);
      const reasonIndex = reasonOptions.findIndex((r) => r.code === code);
      this.setData({
        type,
        reasonOptions,
        reasonLabels: reasonOptions.map((r) => r.label),
        reasonIndex,
        reasonLabel: reasonOptions[reasonIndex]?.label ?? '',
        photoRequired: !!reasonOptions[reasonIndex]?.photo,
      });
      if (type === 'EXCHANGE') this.loadExchangeOptions();
      this.refreshPreview(true);
    },

    onToggleLine(e: WechatMiniprogram.TouchEvent) {
      const i = Number(e.currentTarget.dataset.index);
      this.setData({ [`lines[${i}].selected`]: !this.data.lines[i].selected });
      this.refreshPreview();
    },

    onQty(e: WechatMiniprogram.TouchEvent) {
      const i = Number(e.currentTarget.dataset.index);
      const delta = Number(e.currentTarget.dataset.delta);
      const line = this.data.lines[i];
      const qty = Math.min(line.purchased, Math.max(1, line.qty + delta));
      if (qty === line.qty) return;
      this.setData({ [`lines[${i}].qty`]: qty, [`lines[${i}].selected`]: true });
      this.refreshPreview();
    },

    onReason(e: WechatMiniprogram.PickerChange) {
      const reasonIndex = Number(e.detail.value);
      const r = this.data.reasonOptions[reasonIndex];
      if (!r) return;
      this.setData({ reasonIndex, reasonLabel: r.label, photoRequired: r.photo });
      this.refreshPreview(true);
    },

    onDescription(e: WechatMiniprogram.Input) {
      this.setData({ description: e.detail.value });
    },

    setEvidence(evidence: Uploaded[]) {
      this.setData({ evidence, evidenceRoom: evidenceRoom(this.data.sideRoom, evidence.length) });
      this.refreshPreview(true);
    },

    async onAddEvidence() {
      const added = await chooseAndUpload(evidenceRoom(this.data.sideRoom, this.data.evidence.length));
      if (added.length) this.setEvidence([...this.data.evidence, ...added]);
    },

    onRemoveEvidence(e: WechatMiniprogram.TouchEvent) {
      const evidence = this.data.evidence.slice();
      evidence.splice(Number(e.currentTarget.dataset.index), 1);
      this.setEvidence(evidence);
    },

    /** At least one photo among the files attached before and those picked now. */
    hasPhoto(): boolean {
      return [...this.data.existingEvidence, ...this.data.evidence].some((x) => x.kind === 'PHOTO');
    },

    onPreviewImage(e: WechatMiniprogram.TouchEvent) {
      const i = Number(e.currentTarget.dataset.index);
      const urls = this.data.evidence.filter((x) => x.kind === 'PHOTO').map((x) => x.thumb);
      wx.previewImage({ urls, current: this.data.evidence[i]?.thumb });
    },

    // ---------------------------------------------------------------- preview

    input() {
      const r = this.data.reasonOptions[this.data.reasonIndex];
      const selected = this.data.lines.filter((l) => l.selected);
      return {
        orderId: this.data.orderId,
        type: this.data.type,
        reason: r?.code,
        lines: selected.map((l) => ({ lineId: l.lineId, quantity: l.qty })),
        // 换货: one replacement per requested line (exchangeProblem() stops the request while one is missing)
        ...(this.data.type === 'EXCHANGE' ? { replacements: selected.map((l) => ({ lineId: l.lineId, skuId: l.skuId })) } : {}),
        ...(this.data.description.trim() ? { description: this.data.description.trim() } : {}),
        evidence: this.data.evidence.map((x) => x.fileID),
      };
    },

    /** Debounced live preview; `now` skips the debounce (reason / evidence changes). */
    refreshPreview(now = false) {
      if (this.data.mode !== 'apply') return;
      if (previewTimer) clearTimeout(previewTimer);
      previewTimer = null;
      const input = this.input();
      if (!input.reason) {
        this.setData({ preview: null, canSubmit: false, previewHint: '请选择售后原因，查看是否符合售后条件和可退金额' });
        return;
      }
      if (!input.lines.length) {
        this.setData({ preview: null, canSubmit: false, previewHint: '请选择要售后的商品' });
        return;
      }
      const problem = this.exchangeProblem();
      if (problem) {
        previewSeq++; // an answer still on its way is for another choice
        this.setData({ preview: null, canSubmit: false, previewHint: problem });
        return;
      }
      this.setData({ 'preview.loading': true, canSubmit: false });
      const run = () => this.runPreview();
      if (now) run();
      else previewTimer = setTimeout(run, config.previewDebounceMs);
    },

    async runPreview() {
      const seq = ++previewSeq;
      const input = this.input();
      try {
        const p = await api.preview(input);
        if (seq !== previewSeq) return;
        this.showPreview(p);
      } catch (e) {
        if (seq !== previewSeq) return;
        if (e instanceof ApiError && e.code === 'FORBIDDEN') {
          this.setData({ state: failedState(e), canSubmit: false });
        } else if (e instanceof ApiError && REFUSAL_CODES.has(e.code)) {
          this.setData({ preview: { ...emptyPreview(), refusals: [{ code: e.code, message: errorText(e), lineTitle: '' }] }, canSubmit: false });
        } else {
          // No answer, or the system was busy: nothing was decided about eligibility.
          this.setData({ preview: { ...emptyPreview(), failed: errorText(e) }, canSubmit: false });
        }
      }
    },

    onRetryPreview() {
      this.refreshPreview(true);
    },

    showPreview(p: PreviewData) {
      const titleOf = (lineId?: string) => this.data.lines.find((l) => l.lineId === lineId)?.title ?? '';
      const view: PreviewView = {
        loading: false,
        failed: '',
        eligible: p.eligible,
        refusals: p.refusals.map((r) => ({ code: r.code, message: r.message, lineTitle: titleOf(r.lineId) })),
        totalText: p.amounts ? yuan(p.amounts.total) : '',
        itemsText: p.amounts ? yuan(p.amounts.items) : '',
        shippingText: p.amounts && p.amounts.shipping ? yuan(p.amounts.shipping) : '',
        freightText: p.freightPayer === 'SELLER' ? '商家承担（上门取件免费，自行寄回可申请运费补偿）' : '买家承担',
        deadlineText: p.deadline ? `商家需在 ${shopTime(p.deadline)} 前处理，超时将自动同意` : '',
        windowText: p.windowEndsAt ? `本次申请可在 ${shopTime(p.windowEndsAt)} 前提交` : '',
        supersedesText: p.supersedes?.length ? `提交后，已被拒绝的原申请（${p.supersedes.join('、')}）将自动撤销` : '',
        exchange: p.exchange
          ? {
              replacements: p.exchange.replacements.map((x) => {
                const line = this.data.lines.find((l) => l.lineId === x.lineId);
                return { lineId: x.lineId, fromText: line?.title ?? '', toText: x.title, qtyText: `× ${x.quantity}` };
              }),
              freightText: p.exchange.freight.text,
              reshipText: `商家收到退回的商品后 ${p.exchange.reshipHours} 小时内发出换货，逾期未发出将自动转为退款（原路退回）`,
              confirmText: `换货发出后请在 ${p.exchange.confirmDays} 天内确认收货，逾期将自动确认`,
            }
          : null,
      };
      // 联系商家 for a new application: the preview carries settings.contact (an after-sale's view carries it when modifying).
      const c = (p as { contact?: { phone?: string; customerService?: boolean } | null }).contact;
      const contact = c && (c.phone || c.customerService) ? { phone: c.phone ?? '', customerService: !!c.customerService } : this.data.contact;
      this.setData({ preview: view, canSubmit: p.eligible, contact });
    },

    // ---------------------------------------------------------------- submit

    async onSubmit() {
      if (this.data.submitting) return;
      if (!this.data.canSubmit) {
        toast(this.data.preview?.failed || this.data.preview?.refusals?.[0]?.message || this.data.previewHint);
        return;
      }
      const input = this.input();
      const problem = this.exchangeProblem();
      if (problem) {
        toast(problem);
        return;
      }
      if (this.data.photoRequired && !this.hasPhoto()) {
        toast(`「${this.data.reasonLabel}」需要上传至少一张照片`);
        return;
      }
      this.setData({ submitting: true });
      // one-time consents: this tap asks for the messages that follow (decision, refund)
      const consent = requestSubscribe(this.data.mode === 'modify' ? 'modify' : 'apply');
      let accepted: string[] = [];
      try {
        accepted = await consent;
        let ret: ReturnView;
        if (this.data.mode === 'modify') {
          const { orderId: _o, type: _t, ...rest } = input;
          ret = (await api.modify({ returnId: this.data.returnId, ...rest, ...(rest.evidence.length ? {} : { evidence: undefined }) })).return;
        } else {
          ret = (await api.apply(input)).return;
        }
        void reportConsent(accepted, ret.returnId);
        toast(this.data.mode === 'modify' ? '已重新提交' : '申请已提交', 'success');
        wx.redirectTo({ url: `../return-detail/index?returnId=${ret.returnId}` });
      } catch (e) {
        void reportConsent(accepted);
        if (e instanceof ApiError && (e.code === 'NOT_ELIGIBLE' || e.code === 'RETURN_ALREADY_OPEN') && e.details?.refusals) {
          this.showPreview({ eligible: false, refusals: e.details.refusals, amounts: null, lines: [], freightPayer: 'BUYER', deadline: null, windowEndsAt: null, exchange: null });
        }
      } finally {
        this.setData({ submitting: false });
      }
    },
  },
});

function emptyPreview(): PreviewView {
  return {
    loading: false,
    failed: '',
    eligible: false,
    refusals: [],
    totalText: '',
    itemsText: '',
    shippingText: '',
    freightText: '',
    deadlineText: '',
    windowText: '',
    supersedesText: '',
    exchange: null,
  };
}

function orderStatusText(order: Order): string {
  const labels: Record<string, string> = { PAID: '待发货', SHIPPED: '已发货', RECEIVED: '已签收', COMPLETED: '已完成', CANCELLED: '已取消' };
  return `订单 ${order.orderId} · ${labels[order.status] ?? order.status}`;
}
