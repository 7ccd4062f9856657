/**
 * 处理售后 (staff): the after-sale as the merchant / arbiter sees it, and a
 * form for each action the server allows this caller (`allowedActions`):
 * approve (with a return address), reject (reason + evidence), confirm
 * receipt (optionally a lower amount with a reason; the maximum includes the
 * buyer's reimbursable postage claim, shown in the form), refuse receipt
 * (evidence), refund failures (retry / record an offline refund through
 * executeRefund), and the arbiter's decision on a dispute (for the buyer on
 * a RETURN_REFUND, optionally a lower amount under the same rules), and for
 * an exchange (换货) what the buyer asked for, 发出换货 (carrier + waybill,
 * checked per carrier as the functions do, errors per field; out of stock:
 * the server's reason, pointing to 转为退款) and 转为退款 (reason required).
 * Non-staff
 * callers get FORBIDDEN from queryReturns: the 无权限 state.
 * Options: returnId (or id, from older subscribe messages).
 */
import { api, INITIAL_STATE, loadInto, reportConsent, requestSubscribe, toast, type ReturnView } from '../../utils/api';
import { chooseAndUpload, type Uploaded } from '../../utils/upload';
import { parseYuan, yuan } from '../../utils/format';
import { cacheLineTitles } from '../../utils/orders';
import { detailView, evidenceRoom, maxRefundOf, returnIdOf, type DetailView } from '../../utils/views';
import {
  ACTION_LABELS,
  CARRIERS,
  CARRIER_FORMATS,
  PROPOSAL_KINDS,
  approveSchema,
  checkTrackingNo,
  confirmReceiptSchema,
  convertToRefundSchema,
  decideSchema,
  markOfflineSchema,
  proposeSchema,
  refuseReceiptSchema,
  rejectSchema,
  reshipSchema,
  returnAddressSchema,
  validateInput,
} from '../../shared/contract';

/** The functions' own input schema of each staff action (the page checks what it sends with them: same rules, same Chinese messages). */
const SCHEMAS: Partial<Record<string, Parameters<typeof validateInput>[0]>> = {
  approve: approveSchema,
  reject: rejectSchema,
  confirmReceipt: confirmReceiptSchema,
  refuseReceipt: refuseReceiptSchema,
  decide: decideSchema,
  propose: proposeSchema,
  markOffline: markOfflineSchema,
  reship: reshipSchema,
  convertToRefund: convertToRefundSchema,
};

/** 发出换货: the carriers the functions take (as the buyer's own waybill), with their names and a waybill example. */
const CARRIER_OPTIONS = CARRIERS.map((code) => ({ code, name: CARRIER_FORMATS[code].name, example: CARRIER_FORMATS[code].example }));
import { errorText, ApiError } from '../../utils/api';
import { threadData, threadMethods } from '../../utils/thread';

type ProposalKind = keyof typeof PROPOSAL_KINDS;

/** The proposals this after-sale allows now (status and type, from the transition table's PROPOSAL_KINDS). */
export function proposalKinds(status: string, type: string): { kind: ProposalKind; label: string; hint: string }[] {
  const hints: Record<ProposalKind, string> = {
    PARTIAL_REFUND: '买家保留商品，退还部分金额（买家同意后立即原路退款）',
    REFUND_WITHOUT_RETURN: '买家无需寄回商品，全额退款（买家同意后立即原路退款）',
    LOWER_AFTER_RECEIPT: '验货后与买家协商退款金额，请上传验货照片',
  };
  return (Object.keys(PROPOSAL_KINDS) as ProposalKind[])
    .filter((k) => PROPOSAL_KINDS[k].from === status && (PROPOSAL_KINDS[k].types as readonly string[]).includes(type))
    .map((kind) => ({ kind, label: PROPOSAL_KINDS[kind].label, hint: hints[kind] }));
}

const STAFF_ACTIONS = ['approve', 'reject', 'confirmReceipt', 'refuseReceipt', 'propose', 'reship', 'convertToRefund', 'retryRefund', 'markOffline', 'decide'] as const;
type StaffAction = (typeof STAFF_ACTIONS)[number];

const REFUND_STATUS_TEXT: Record<string, string> = {
  CREATED: '待提交',
  PROCESSING: '处理中',
  UNKNOWN: '结果待查询',
  SUCCESS: '退款成功',
  CLOSED: '已关闭',
  ABNORMAL: '退款异常',
  FAILED: '退款失败',
  OFFLINE: '线下退款',
};

const titles: Record<string, Record<string, string>> = {};
let staffChecked = false;

Component({
  data: {
    state: { ...INITIAL_STATE },
    returnId: '',
    view: null as DetailView | null,
    type: '',
    /** Room on the staff side of the evidence limit (from the server's view). */
    sideRoom: 0,
    maxRefund: 0,
    maxRefundText: '',
    /** IN_TRANSIT with a postage claim: what the buyer declared and what may be reimbursed (part of maxRefund). */
    postageClaim: null as null | { declaredText: string; reimbursableText: string },
    refunds: [] as { outRefundNo: string; feeText: string; statusText: string }[],
    actions: [] as { name: StaffAction; label: string }[],
    current: '' as StaffAction | '',
    // form fields
    addrName: '',
    addrPhone: '',
    addrAddress: '',
    /** 省 / 市 / 区 of the return address (region picker). */
    addrRegion: [] as string[],
    addrRegionText: '',
    reason: '',
    amount: '',
    note: '',
    decision: '' as '' | 'BUYER' | 'MERCHANT',
    evidence: [] as Uploaded[],
    /** 协商: the kinds allowed now, the one chosen. */
    kinds: [] as ReturnType<typeof proposalKinds>,
    /** The shop's answer window for a proposal (policy.proposalHours). */
    proposalHours: 0,
    proposeKind: '' as ProposalKind | '',
    /** 发出换货: carrier picker and waybill, with an error per field. */
    carrierNames: CARRIER_OPTIONS.map((c) => c.name),
    carrierIndex: -1,
    carrierName: '',
    trackingNo: '',
    trackingPlaceholder: '运单号',
    fieldErrors: { carrier: '', trackingNo: '' },
    error: '',
    submitting: false,
    ...threadData('staff'),
  },

  methods: {
    ...threadMethods('staff'),

    onLoad(options: Record<string, string | undefined>) {
      staffChecked = false;
      this.setData({ returnId: returnIdOf(options) });
      this.reload();
    },

    async reload(quiet = false) {
      const id = this.data.returnId;
      // Staff only: the merchant queue answers FORBIDDEN to a caller without a staff role
      // (queryReturns get alone would also answer the buyer who owns the after-sale).
      const load = async () => {
        if (!staffChecked) {
          await api.list({ scope: 'merchant', limit: 1 });
          staffChecked = true;
        }
        return api.get(id);
      };
      const res = quiet ? await load().catch(() => null) : await loadInto(this, load);
      if (!res) return;
      this.show(res.return);
      if (!titles[res.return.orderId] && (await cacheLineTitles(titles, res.return.orderId))) this.show(res.return);
    },

    show(r: ReturnView) {
      const actions = STAFF_ACTIONS.filter((a) => r.allowedActions.includes(a)).map((name) => ({ name, label: ACTION_LABELS[name] }));
      const keep = actions.some((a) => a.name === this.data.current);
      this.setData({
        view: detailView(r, { buyerActions: false, titles: titles[r.orderId] }),
        type: r.type,
        sideRoom: r.evidenceRoom,
        maxRefund: maxRefundOf(r),
        maxRefundText: yuan(maxRefundOf(r)),
        postageClaim: r.postageClaim ? { declaredText: yuan(r.postageClaim.declared), reimbursableText: yuan(r.postageClaim.reimbursable) } : null,
        refunds: (r.refunds ?? []).map((f) => ({ outRefundNo: f.outRefundNo, feeText: yuan(f.refundFee), statusText: REFUND_STATUS_TEXT[f.status] ?? f.status })),
        actions,
        kinds: proposalKinds(r.status, r.type),
        proposalHours: r.proposalHours,
        proposeKind: proposalKinds(r.status, r.type).some((k) => k.kind === this.data.proposeKind) ? this.data.proposeKind : (proposalKinds(r.status, r.type)[0]?.kind ?? ''),
        current: keep ? this.data.current : (actions[0]?.name ?? ''),
        error: '',
      });
    },

    onPick(e: WechatMiniprogram.TouchEvent) {
      this.setData({ current: e.currentTarget.dataset.name, error: '', fieldErrors: { carrier: '', trackingNo: '' } });
    },

    onField(e: WechatMiniprogram.Input) {
      const field = String(e.currentTarget.dataset.field);
      this.setData({ [field]: e.detail.value, error: '', ...(field === 'trackingNo' ? { 'fieldErrors.trackingNo': '' } : {}) });
    },

    onCarrier(e: WechatMiniprogram.PickerChange) {
      const i = Number(e.detail.value);
      const c = CARRIER_OPTIONS[i];
      if (!c) return;
      this.setData({ carrierIndex: i, carrierName: c.name, trackingPlaceholder: `例如 ${c.example}`, 'fieldErrors.carrier': '', error: '' });
    },

    /** A field's error under the field (and as a toast): nothing is sent. */
    failField(field: 'carrier' | 'trackingNo', message: string): null {
      this.setData({ [`fieldErrors.${field}`]: message });
      toast(message);
      return null;
    },

    onCopy(e: WechatMiniprogram.TouchEvent) {
      wx.setClipboardData({ data: String(e.currentTarget.dataset.text ?? '') });
    },

    onKind(e: WechatMiniprogram.TouchEvent) {
      this.setData({ proposeKind: e.currentTarget.dataset.kind, error: '' });
    },

    onDecision(e: WechatMiniprogram.TouchEvent) {
      this.setData({ decision: e.currentTarget.dataset.value, error: '' });
    },

    async onAddEvidence() {
      const added = await chooseAndUpload(evidenceRoom(this.data.sideRoom, this.data.evidence.length), ['image', 'video']);
      if (added.length) this.setData({ evidence: [...this.data.evidence, ...added] });
    },

    onRemoveEvidence(e: WechatMiniprogram.TouchEvent) {
      const evidence = this.data.evidence.slice();
      evidence.splice(Number(e.currentTarget.dataset.index), 1);
      this.setData({ evidence });
    },

    fail(message: string): null {
      this.setData({ error: message });
      toast(message);
      return null;
    },

    onAddrRegion(e: WechatMiniprogram.PickerChange) {
      const region = (Array.isArray(e.detail.value) ? e.detail.value : []).map(String).filter(Boolean);
      this.setData({ addrRegion: region, addrRegionText: region.join(' ') });
    },

    /** Return address from the form: undefined when left empty (the shop's default is used). */
    address(): { ok: true; value?: Record<string, string> } | { ok: false; message: string } {
      const region = this.data.addrRegion;
      const a: Record<string, string> = { name: this.data.addrName.trim(), phone: this.data.addrPhone.trim(), address: this.data.addrAddress.trim() };
      if (!a.name && !a.phone && !a.address) return { ok: true };
      // 省 / 市 / 区 from the region picker (a courier pickup needs them): the full address keeps them too
      if (region.length === 3) {
        Object.assign(a, { province: region[0], city: region[1], area: region[2] });
        if (!a.address.startsWith(region[0]) && !a.address.startsWith(region[1])) a.address = `${region[0]}${region[1] === region[0] ? '' : region[1]}${region[2]}${a.address}`;
      }
      const checked = validateInput(returnAddressSchema, a);
      return checked.ok ? { ok: true, value: a } : { ok: false, message: checked.error.details.issues[0]?.message ?? '退货地址不正确' };
    },

    /**
     * The refund amount of confirmReceipt / decide: empty or the maximum → no
     * adjustment ({}); lower → { refundAmount } in fen, with a reason required;
     * not a positive amount of at most 2 decimals, or above the maximum → refused.
     */
    refundAmountField(): { ok: true; value: { refundAmount?: number } } | { ok: false; message: string } {
      const d = this.data;
      if (!d.amount.trim()) return { ok: true, value: {} };
      const fen = parseYuan(d.amount);
      if (fen === null || fen <= 0) return { ok: false, message: '退款金额格式不正确（例如 12.50）' };
      if (fen > d.maxRefund) return { ok: false, message: `退款金额不能超过 ${d.maxRefundText}` };
      if (fen === d.maxRefund) return { ok: true, value: {} };
      if (!d.reason.trim()) return { ok: false, message: '调整退款金额时请填写原因' };
      return { ok: true, value: { refundAmount: fen } };
    },

    /** [function, event] for the current action, or null (error shown). */
    build(): [string, Record<string, any>] | null {
      const d = this.data;
      const returnId = d.returnId;
      const evidence = d.evidence.map((x) => x.fileID);
      switch (d.current) {
        case 'approve': {
          const a = this.address();
          if (!a.ok) return this.fail(a.message);
          return ['reviewReturn', { action: 'approve', returnId, ...(a.value ? { returnAddress: a.value } : {}) }];
        }
        case 'propose': {
          const kind = d.proposeKind;
          if (!kind) return this.fail('请选择协商方案');
          let amount: { refundAmount?: number } = {};
          if (kind !== 'REFUND_WITHOUT_RETURN') {
            const fen = parseYuan(d.amount);
            if (!d.amount.trim()) return this.fail('请填写协商退款金额');
            if (fen === null || fen <= 0) return this.fail('退款金额格式不正确（例如 12.50）');
            if (fen > d.maxRefund) return this.fail(`退款金额不能超过 ${d.maxRefundText}`);
            amount = { refundAmount: fen };
          }
          if (kind === 'LOWER_AFTER_RECEIPT' && !evidence.length) return this.fail('验货后协商金额需要上传验货照片');
          // the reason (required, ≤ 500) is checked with the functions' schema in onSubmit
          return ['reviewReturn', { action: 'propose', returnId, kind, ...amount, reason: d.reason.trim(), ...(evidence.length ? { evidence } : {}) }];
        }
        case 'reject':
          if (!d.reason.trim()) return this.fail('请填写拒绝原因');
          return ['reviewReturn', { action: 'reject', returnId, reason: d.reason.trim(), ...(evidence.length ? { evidence } : {}) }];
        case 'confirmReceipt': {
          const amount = this.refundAmountField();
          if (!amount.ok) return this.fail(amount.message);
          return [
            'reviewReturn',
            { action: 'confirmReceipt', returnId, ...amount.value, ...(d.reason.trim() ? { reason: d.reason.trim() } : {}), ...(evidence.length ? { evidence } : {}) },
          ];
        }
        case 'refuseReceipt':
          if (!evidence.length) return this.fail('拒绝收货需要上传验货凭证');
          return ['reviewReturn', { action: 'refuseReceipt', returnId, evidence, ...(d.reason.trim() ? { reason: d.reason.trim() } : {}) }];
        case 'reship': {
          const carrier = CARRIER_OPTIONS[d.carrierIndex]?.code;
          if (!carrier) return this.failField('carrier', '请选择快递公司');
          const raw = d.trackingNo.trim();
          if (!raw) return this.failField('trackingNo', '请填写运单号');
          // the very check the functions apply (format per carrier, normalised)
          const checked = checkTrackingNo(carrier, raw);
          if (!checked.ok) return this.failField('trackingNo', checked.message);
          return ['reviewReturn', { action: 'reship', returnId, carrier, trackingNo: checked.trackingNo }];
        }
        case 'convertToRefund':
          if (!d.reason.trim()) return this.fail('请填写转为退款的原因，买家将看到');
          return ['reviewReturn', { action: 'convertToRefund', returnId, reason: d.reason.trim() }];
        case 'retryRefund':
          return ['executeRefund', { action: 'retry', returnId, ...(d.note.trim() ? { note: d.note.trim() } : {}) }];
        case 'markOffline':
          if (!d.note.trim()) return this.fail('请填写线下退款说明（方式、流水号等）');
          return ['executeRefund', { action: 'markOffline', returnId, note: d.note.trim() }];
        case 'decide': {
          if (!d.decision) return this.fail('请选择复核结果');
          if (d.decision === 'MERCHANT' && !d.reason.trim()) return this.fail('复核支持商家时请写明理由，买家会看到');
          // For the buyer on a RETURN_REFUND the arbiter may lower the amount (REFUND_ONLY: never adjustable).
          const amount = d.decision === 'BUYER' && d.type === 'RETURN_REFUND' ? this.refundAmountField() : ({ ok: true, value: {} } as const);
          if (!amount.ok) return this.fail(amount.message);
          return [
            'reviewReturn',
            {
              action: 'decide',
              returnId,
              decision: d.decision,
              ...amount.value,
              ...(d.reason.trim() ? { reason: d.reason.trim() } : {}),
              ...(evidence.length ? { evidence } : {}),
            },
          ];
        }
        default:
          return null;
      }
    },

    async onSubmit() {
      if (this.data.submitting) return;
      const built = this.build();
      if (!built) return;
      const [fn, event] = built;
      // what the page could not say more helpfully itself: the functions' schema (lengths, formats) before anything is sent
      const schema = SCHEMAS[event.action];
      const checked = schema ? validateInput(schema, { ...event, requestId: 'mp-check-00000000' }) : null;
      if (checked && !checked.ok) {
        const issue = checked.error.details.issues[0];
        if (issue?.path === 'carrier' || issue?.path === 'trackingNo') this.failField(issue.path, issue.message);
        else this.fail(issue?.message ?? '填写的信息有误，请检查后重试');
        return;
      }
      this.setData({ submitting: true });
      // staff consents: each tap allows one more message (new applications, shipped returns, refund failures…)
      const consent = requestSubscribe('staff');
      try {
        // reported alongside the action (not awaited: the action is not delayed by it)
        void reportConsent(await consent);
        // biome-ignore lint/plugin/no-as-any: the event was checked against the function's own schema above; the two input unions differ only in typing
        if (fn === 'executeRefund') await api.refund(event as any);
        else await api.review(event);
        toast(this.data.current === 'propose' ? '方案已发送，等待买家确认' : this.data.current === 'reship' ? '换货已发出' : '已处理', 'success');
        this.setData({
          reason: '',
          amount: '',
          note: '',
          decision: '',
          evidence: [],
          addrName: '',
          addrPhone: '',
          addrAddress: '',
          addrRegion: [],
          addrRegionText: '',
          carrierIndex: -1,
          carrierName: '',
          trackingNo: '',
          trackingPlaceholder: '运单号',
          fieldErrors: { carrier: '', trackingNo: '' },
        });
        // Re-read as staff: the caller's allowed actions and the refund records.
        await this.reload(true);
      } catch (e) {
        /* toast shown; above the settled maximum: say how much may be refunded */
        const max = e instanceof ApiError && e.code === 'REFUND_LIMIT' ? Number(e.details?.maximum) : NaN;
        // a waybill the carrier's format refuses: under its field (what was typed stays)
        const waybill = e instanceof ApiError && e.code === 'LOGISTICS_INVALID' && this.data.current === 'reship' ? errorText(e) : '';
        this.setData({ error: waybill ? '' : Number.isFinite(max) ? `退款金额超出可退范围，最多可退 ${yuan(max)}` : errorText(e) });
        const keep = this.data.error;
        await this.reload(true);
        this.setData({ error: keep, ...(waybill ? { 'fieldErrors.trackingNo': waybill } : {}) });
      } finally {
        this.setData({ submitting: false });
      }
    },
  },
});
