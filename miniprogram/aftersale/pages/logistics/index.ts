/**
 * 退货物流: self-ship (carrier picker + tracking number, postage claim when
 * the seller pays return shipping) or a pickup booking (contact, address,
 * day and time slot). Validated with the functions' own zod schemas before
 * the call; the same page corrects logistics while IN_TRANSIT.
 * Options: returnId.
 */
import { api, ApiError, errorText, INITIAL_STATE, loadInto, newRequestId, reportConsent, requestSubscribe, toast } from '../../utils/api';
import { parseYuan, shopDay, shopIso, clock } from '../../utils/format';
import { CARRIERS, CARRIER_FORMATS, checkPickupSlot, checkTrackingNo, pickupSchema, selfShipSchema, validateInput } from '../../shared/contract';

const CARRIER_OPTIONS = CARRIERS.map((code) => ({ code, name: CARRIER_FORMATS[code].name, example: CARRIER_FORMATS[code].example }));

const SLOTS = [
  { start: '09:00', end: '11:00' },
  { start: '11:00', end: '13:00' },
  { start: '13:00', end: '15:00' },
  { start: '15:00', end: '17:00' },
  { start: '17:00', end: '19:00' },
];

/** The next 3 shop days (today included). */
function pickupDays(now = clock.now()): { day: string; label: string }[] {
  const names = ['今天', '明天', '后天'];
  return [0, 1, 2].map((i) => {
    const day = shopDay(now + i * 86_400_000);
    return { day, label: `${names[i]} ${day.slice(5)}` };
  });
}

Component({
  data: {
    state: { ...INITIAL_STATE },
    returnId: '',
    correcting: false,
    mode: 'SELF_SHIP' as 'SELF_SHIP' | 'PICKUP',
    address: null as { name: string; phone: string; address: string } | null,
    sellerPays: false,
    /** A postage claim may be declared (seller-side reason, not an exchange: an exchange moves no money). */
    postageClaim: false,
    /** 换货: who pays postage each way, as the server says it ('' for the other types). */
    exchangeFreight: '',
    carriers: CARRIER_OPTIONS,
    carrierNames: CARRIER_OPTIONS.map((c) => c.name),
    carrierIndex: -1,
    carrierName: '',
    trackingPlaceholder: '请输入快递单号',
    trackingNo: '',
    postage: '',
    pickupName: '',
    pickupPhone: '',
    pickupAddress: '',
    /** 省 / 市 / 区 from the region picker: the courier booking needs the address structured. */
    region: [] as string[],
    regionText: '',
    days: pickupDays(),
    dayLabels: pickupDays().map((d) => d.label),
    dayIndex: 1,
    slots: SLOTS,
    slotLabels: SLOTS.map((s) => `${s.start}-${s.end}`),
    slotIndex: 0,
    errors: {} as Record<string, string>,
    /** Why the last pickup booking was refused (shown above the form, with the self-ship alternative). */
    pickupRefusal: '',
    submitting: false,
  },

  methods: {
    async onLoad(options: Record<string, string | undefined>) {
      const returnId = options.returnId ?? '';
      this.setData({ returnId, days: pickupDays(), dayLabels: pickupDays().map((d) => d.label) });
      const res = await loadInto(this, () => api.get(returnId));
      if (!res) return;
      const r = res.return;
      const a: { name?: string; phone?: string; address?: string } | null =
        r.returnAddress && typeof r.returnAddress === 'object' ? r.returnAddress : r.returnAddress ? { address: String(r.returnAddress) } : null;
      const lg = r.logistics;
      const carrierIndex = lg?.carrier ? CARRIER_OPTIONS.findIndex((c) => c.code === lg.carrier) : -1;
      this.setData({
        correcting: r.status === 'IN_TRANSIT',
        address: a ? { name: a.name ?? '', phone: a.phone ?? '', address: a.address ?? '' } : null,
        sellerPays: r.freightPayer === 'SELLER',
        postageClaim: r.freightPayer === 'SELLER' && !r.exchange,
        exchangeFreight: r.exchange?.freight.text ?? '',
        ...(carrierIndex >= 0 && lg?.mode === 'SELF_SHIP'
          ? { carrierIndex, carrierName: CARRIER_OPTIONS[carrierIndex].name, trackingNo: lg.trackingNo ?? '', trackingPlaceholder: `例如 ${CARRIER_OPTIONS[carrierIndex].example}` }
          : {}),
        ...(lg?.postage ? { postage: (lg.postage / 100).toFixed(2) } : {}),
      });
      if (r.status === 'IN_TRANSIT') wx.setNavigationBarTitle({ title: '修改物流信息' });
    },

    onMode(e: WechatMiniprogram.TouchEvent) {
      this.setData({ mode: e.currentTarget.dataset.mode, errors: {} });
    },

    onCarrier(e: WechatMiniprogram.PickerChange) {
      const i = Number(e.detail.value);
      const c = CARRIER_OPTIONS[i];
      if (!c) return;
      this.setData({ carrierIndex: i, carrierName: c.name, trackingPlaceholder: `例如 ${c.example}`, 'errors.carrier': '' });
    },

    onField(e: WechatMiniprogram.Input) {
      const field = String(e.currentTarget.dataset.field);
      this.setData({ [field]: e.detail.value, [`errors.${field}`]: '' });
    },

    onRegion(e: WechatMiniprogram.PickerChange) {
      const region = (Array.isArray(e.detail.value) ? e.detail.value : []).map(String).filter(Boolean);
      this.setData({ region, regionText: region.join(' '), 'errors.region': '' });
    },

    onDay(e: WechatMiniprogram.PickerChange) {
      this.setData({ dayIndex: Number(e.detail.value), 'errors.slot': '' });
    },

    onSlot(e: WechatMiniprogram.PickerChange) {
      this.setData({ slotIndex: Number(e.detail.value), 'errors.slot': '' });
    },

    /** The event to send, or null with the field errors shown. */
    buildEvent(): Record<string, any> | null {
      const d = this.data;
      const errors: Record<string, string> = {};
      let event: Record<string, any>;
      if (d.mode === 'SELF_SHIP') {
        const carrier = CARRIER_OPTIONS[d.carrierIndex]?.code;
        event = { mode: 'SELF_SHIP', returnId: d.returnId, carrier, trackingNo: d.trackingNo.trim() };
        if (d.postageClaim && d.postage.trim()) {
          const fen = parseYuan(d.postage);
          if (fen === null) errors.postage = '运费金额格式不正确（例如 12.00）';
          else event.postage = fen;
        }
        if (!carrier) errors.carrier = '请选择快递公司';
        else if (event.trackingNo) {
          const checked = checkTrackingNo(carrier, event.trackingNo);
          if (!checked.ok) errors.trackingNo = checked.message;
          else event.trackingNo = checked.trackingNo;
        }
      } else {
        const day = d.days[d.dayIndex]?.day;
        const slot = SLOTS[d.slotIndex];
        event = {
          mode: 'PICKUP',
          returnId: d.returnId,
          pickup: {
            name: d.pickupName.trim(),
            phone: d.pickupPhone.trim(),
            address: d.pickupAddress.trim(),
            ...(d.region.length === 3 ? { province: d.region[0], city: d.region[1], area: d.region[2] } : {}),
            slotStart: shopIso(day, slot.start),
            slotEnd: shopIso(day, slot.end),
          },
        };
        const bookable = checkPickupSlot({ start: Date.parse(event.pickup.slotStart), end: Date.parse(event.pickup.slotEnd) }, clock.now());
        if (!bookable.ok) errors.slot = bookable.message;
      }
      const schema = d.mode === 'SELF_SHIP' ? selfShipSchema : pickupSchema;
      const checked = validateInput(schema, { ...event, requestId: newRequestId() });
      if (!checked.ok) {
        for (const issue of checked.error.details.issues) {
          const key = issue.path.replace(/^pickup\./, 'pickup.');
          const field =
            (
              {
                carrier: 'carrier',
                trackingNo: 'trackingNo',
                postage: 'postage',
                'pickup.name': 'pickupName',
                'pickup.phone': 'pickupPhone',
                'pickup.address': 'pickupAddress',
                'pickup.province': 'region',
                'pickup.city': 'region',
                'pickup.area': 'region',
                'pickup.slotEnd': 'slot',
                'pickup.slotStart': 'slot',
              } as Record<string, string>
            )[key] ?? 'form';
          if (!errors[field]) errors[field] = issue.message;
        }
      }
      if (Object.keys(errors).length) {
        this.setData({ errors });
        toast(Object.values(errors)[0]);
        return null;
      }
      return event;
    },

    /**
     * A booking the carrier (or the shop's account) refused: nothing was booked.
     * Say why in Chinese and offer 自行寄回; a missing region goes to its field.
     */
    pickupRefused(e: unknown) {
      const text = errorText(e);
      const details = e instanceof ApiError ? e.details : null;
      if (details?.field === 'pickup.province') {
        this.setData({ 'errors.region': text });
        toast(text);
        return;
      }
      if (!(e instanceof ApiError) || details?.alternative !== 'SELF_SHIP') {
        toast(text);
        return;
      }
      this.setData({ pickupRefusal: text });
      wx.showModal({
        title: '暂不能上门取件',
        content: `${text}。您可以自行寄回：选择快递公司并填写快递单号。`,
        confirmText: '改为自行寄回',
        cancelText: '稍后再说',
        success: (res) => {
          if (res.confirm) this.setData({ mode: 'SELF_SHIP', errors: {} });
        },
      });
    },

    async onSubmit() {
      if (this.data.submitting) return;
      const event = this.buildEvent();
      if (!event) return;
      this.setData({ submitting: true });
      // one-time consent on this tap: the receipt / refund messages that follow
      const accepted = await requestSubscribe('logistics');
      const pickup = this.data.mode === 'PICKUP';
      try {
        await api.submitLogistics(event, pickup ? { toast: false } : {}).finally(() => {
          void reportConsent(accepted, this.data.returnId);
        });
        toast(pickup ? '已预约上门取件' : '物流信息已提交', 'success');
        const pages = typeof getCurrentPages === 'function' ? getCurrentPages() : [];
        if (pages.length > 1) wx.navigateBack({ delta: 1 });
        else wx.redirectTo({ url: `../return-detail/index?returnId=${this.data.returnId}` });
      } catch (e) {
        if (pickup) this.pickupRefused(e);
        /* otherwise: toast shown */
      } finally {
        this.setData({ submitting: false });
      }
    },
  },
});
