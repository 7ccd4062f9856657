import {
  REFUND_ARRIVAL_HINT,
  SUBMIT_CODE_OUTCOMES,
  classifyNotification,
  classifyRefundQuery,
  classifyRefundSubmit,
  mapRefundStatus,
  readRefundNotification,
  retryBackoff,
  processingRecheck,
} from '../../cloudfunctions/core/app/pay/classify';

/** What wx-server-sdk returns: snake → camel, then errCode overwritten with 0. */
const sdk = (body: Record<string, unknown>, api = 'refund') => ({ ...body, errCode: 0, errMsg: `cloudPay.${api}:ok` });

const ACCEPTED_SNAKE = {
  return_code: 'SUCCESS',
  return_msg: 'OK',
  appid: 'wx2421b1c4370ec43b',
  mch_id: '10000100',
  sub_mch_id: '1900000109',
  nonce_str: 'NfsMFbUFpdbEhPXP',
  sign: 'B7274EB9F8925EB93100DD2085FA56C0',
  result_code: 'SUCCESS',
  transaction_id: '1008450740201411110005820873',
  out_trade_no: 'T202603100001',
  out_refund_no: 'RF202603100001A',
  refund_id: '2008450740201411110000174436',
  refund_fee: '1990',
  total_fee: '3980',
  cash_fee: '3980',
};

const ACCEPTED_CAMEL = sdk({
  returnCode: 'SUCCESS',
  returnMsg: 'OK',
  appid: 'wx2421b1c4370ec43b',
  mchId: '10000100',
  subMchId: '1900000109',
  nonceStr: 'NfsMFbUFpdbEhPXP',
  resultCode: 'SUCCESS',
  transactionId: '1008450740201411110005820873',
  outTradeNo: 'T202603100001',
  outRefundNo: 'RF202603100001A',
  refundId: '2008450740201411110000174436',
  refundFee: 1990,
  totalFee: 3980,
});

const bizFailSnake = (code: string, des = '错误') => ({
  return_code: 'SUCCESS',
  return_msg: 'OK',
  result_code: 'FAIL',
  err_code: code,
  err_code_des: des,
});
const bizFailCamel = (code: string, des = '错误') => ({ returnCode: 'SUCCESS', returnMsg: 'OK', resultCode: 'FAIL', errCode: code, errCodeDes: des });

describe('classifyRefundSubmit', () => {
  it('accepted (camelCase from the SDK, snake_case raw) ⇒ PROCESSING, never SUCCESS', () => {
    for (const resp of [ACCEPTED_CAMEL, ACCEPTED_SNAKE, { returnCode: 'success', resultCode: 'success' }]) {
      expect(classifyRefundSubmit(resp)).toEqual({ outcome: 'PROCESSING', message: '退款已受理，通常1-3个工作日到账' });
    }
  });

  it('SUCCESS/SUCCESS wins over a stray code', () => {
    expect(classifyRefundSubmit({ ...ACCEPTED_SNAKE, err_code: 'SYSTEMERROR' }).outcome).toBe('PROCESSING');
  });

  it('SYSTEMERROR ⇒ UNKNOWN (query before anything)', () => {
    expect(classifyRefundSubmit(bizFailSnake('SYSTEMERROR', '系统超时'))).toEqual({
      outcome: 'UNKNOWN',
      code: 'SYSTEMERROR',
      message: '支付平台系统繁忙，退款结果未知，将查询确认',
    });
    expect(classifyRefundSubmit(bizFailCamel('SYSTEMERROR')).outcome).toBe('UNKNOWN');
  });

  it.each(['BIZERR_NEED_RETRY', 'FREQUENCY_LIMITED', 'ORDER_NOT_READY', 'INVALID_REQ_TOO_MUCH'])('%s ⇒ RETRY (snake and camel)', (code) => {
    for (const resp of [bizFailSnake(code), bizFailCamel(code)]) {
      const r = classifyRefundSubmit(resp);
      expect(r.outcome).toBe('RETRY');
      expect(r.code).toBe(code);
      expect(r.message).toMatch(/自动重试/);
    }
  });

  it.each([
    'NOTENOUGH',
    'USER_ACCOUNT_ABNORMAL',
    'TRADE_OVERDUE',
    'INVALID_REQUEST',
    'PARAM_ERROR',
    'REFUND_FEE_MISMATCH',
    'ERROR',
    'INVALID_TRANSACTIONID',
    'APPID_NOT_EXIST',
    'MCHID_NOT_EXIST',
    'SIGNERROR',
    'XML_FORMAT_ERROR',
    'REQUIRE_POST_METHOD',
    'POST_DATA_EMPTY',
    'NOAUTH',
    'CERT_ERROR',
    'ORDERNOTEXIST',
  ])('%s ⇒ FAILED (hand to the merchant), snake and camel', (code) => {
    for (const resp of [bizFailSnake(code), bizFailCamel(code), sdk({ return_code: 'SUCCESS', result_code: 'FAIL', err_code: code })]) {
      const r = classifyRefundSubmit(resp);
      expect(r.outcome).toBe('FAILED');
      expect(r.code).toBe(code);
      expect(r.message).toMatch(/[\u4e00-\u9fa5]/);
    }
  });

  it('the outcome table matches domain.md', () => {
    const by = (o: string) =>
      Object.keys(SUBMIT_CODE_OUTCOMES)
        .filter((c) => SUBMIT_CODE_OUTCOMES[c] === o)
        .sort();
    expect(by('UNKNOWN')).toEqual(['SYSTEMERROR']);
    expect(by('RETRY')).toEqual(['BIZERR_NEED_RETRY', 'FREQUENCY_LIMITED', 'INVALID_REQ_TOO_MUCH', 'ORDER_NOT_READY']);
    expect(by('FAILED')).toContain('NOTENOUGH');
    expect(by('CLOSED')).toEqual([]);
  });

  it('NOTENOUGH message tells the merchant what to do', () => {
    expect(classifyRefundSubmit(bizFailSnake('NOTENOUGH', '基本账户余额不足，请充值后重新发起'))).toEqual({
      outcome: 'FAILED',
      code: 'NOTENOUGH',
      message: '商户账户余额不足，请充值后重新发起退款',
    });
  });

  it('returnCode FAIL (communication level) ⇒ RETRY', () => {
    expect(classifyRefundSubmit({ return_code: 'FAIL', return_msg: 'invalid refund_fee' })).toEqual({
      outcome: 'RETRY',
      message: '支付平台通信失败，系统将自动重试（invalid refund_fee）',
    });
    expect(classifyRefundSubmit(sdk({ returnCode: 'FAIL', returnMsg: '签名错误' })).outcome).toBe('RETRY');
    expect(classifyRefundSubmit({ returnCode: 'FAIL' })).toEqual({ outcome: 'RETRY', message: '支付平台通信失败，系统将自动重试' });
  });

  it('a recognised code under returnCode FAIL keeps its own outcome', () => {
    expect(classifyRefundSubmit({ return_code: 'FAIL', err_code: 'NOTENOUGH' }).outcome).toBe('FAILED');
  });

  it('unrecognised codes are never guessed ⇒ UNKNOWN', () => {
    expect(classifyRefundSubmit(bizFailSnake('SOMETHING_NEW', '新错误'))).toEqual({
      outcome: 'UNKNOWN',
      code: 'SOMETHING_NEW',
      message: '支付平台返回无法识别的结果，将查询确认（新错误）',
    });
    expect(classifyRefundSubmit({ returnCode: 'SUCCESS', resultCode: 'FAIL' }).outcome).toBe('UNKNOWN');
    expect(classifyRefundSubmit(sdk({ returnCode: 'SUCCESS', resultCode: 'FAIL', errCodeDes: '未知的错误描述' })).outcome).toBe('UNKNOWN');
    expect(classifyRefundSubmit(sdk({})).outcome).toBe('UNKNOWN');
    expect(classifyRefundSubmit({}).outcome).toBe('UNKNOWN');
  });

  it('thrown errors (network, timeout, SDK) ⇒ UNKNOWN', () => {
    const timeout = Object.assign(new Error('ESOCKETTIMEDOUT'), { code: 'ESOCKETTIMEDOUT' });
    expect(classifyRefundSubmit(timeout)).toEqual({
      outcome: 'UNKNOWN',
      code: 'ESOCKETTIMEDOUT',
      message: '支付平台请求异常，退款结果未知，将查询确认',
    });
    expect(classifyRefundSubmit(new Error('socket hang up'))).toMatchObject({ outcome: 'UNKNOWN', code: 'NETWORK' });
    const sdkError = { errCode: -501001, errMsg: 'cloudPay.refund:fail resource system error' };
    expect(classifyRefundSubmit(sdkError)).toMatchObject({ outcome: 'UNKNOWN', code: '-501001' });
    const cloudSdkError = Object.assign(new Error('cloudPay.refund:fail'), { errCode: -604101, errMsg: 'no permission' });
    expect(classifyRefundSubmit(cloudSdkError)).toMatchObject({ outcome: 'UNKNOWN', code: '-604101' });
    expect(classifyRefundSubmit({ errMsg: 'cloudPay.refund:fail timeout' })).toMatchObject({ outcome: 'UNKNOWN' });
  });

  it('no answer at all ⇒ UNKNOWN', () => {
    for (const v of [undefined, null, '', 'ok', 42]) {
      expect(classifyRefundSubmit(v)).toEqual({ outcome: 'UNKNOWN', message: '支付平台无响应，退款结果未知，将查询确认' });
    }
  });

  it('reads the answer inside { result } / { data }', () => {
    expect(classifyRefundSubmit({ result: ACCEPTED_CAMEL }).outcome).toBe('PROCESSING');
    expect(classifyRefundSubmit({ data: bizFailSnake('NOTENOUGH') }).outcome).toBe('FAILED');
  });

  it('when the SDK overwrote errCode with 0, reads a literal code in the description', () => {
    const r = classifyRefundSubmit(sdk({ returnCode: 'SUCCESS', resultCode: 'FAIL', errCodeDes: 'FREQUENCY_LIMITED' }));
    expect(r).toMatchObject({ outcome: 'RETRY', code: 'FREQUENCY_LIMITED' });
    expect(r.inferred).toBeUndefined();
  });

  it.each([
    ['基本账户余额不足，请充值后重新发起', 'FAILED', 'NOTENOUGH'],
    ['用户帐号异常，无法退款', 'FAILED', 'USER_ACCOUNT_ABNORMAL'],
    ['订单已经超过退款期限', 'FAILED', 'TRADE_OVERDUE'],
    ['订单金额或退款金额与之前请求不一致，请核实后再试', 'FAILED', 'REFUND_FEE_MISMATCH'],
    ['订单已全额退款', 'FAILED', 'ERROR'],
    ['refund_fee大于可退金额', 'FAILED', 'INVALID_REQUEST'],
    ['频率限制', 'RETRY', 'FREQUENCY_LIMITED'],
    ['退款业务流程错误，需要商户触发重试来解决', 'RETRY', 'BIZERR_NEED_RETRY'],
    ['系统超时', 'UNKNOWN', 'SYSTEMERROR'],
  ])('when the SDK overwrote errCode, infers from the description "%s" ⇒ %s', (des, outcome, code) => {
    const r = classifyRefundSubmit(sdk({ returnCode: 'SUCCESS', returnMsg: 'OK', resultCode: 'FAIL', errCodeDes: des }));
    expect(r).toMatchObject({ outcome, code, inferred: true });
  });
});

describe('classifyRefundQuery', () => {
  const V2_SNAKE = {
    return_code: 'SUCCESS',
    return_msg: 'OK',
    result_code: 'SUCCESS',
    transaction_id: '1008450740201411110005820873',
    out_trade_no: 'T202603100001',
    total_fee: '3980',
    cash_fee: '3980',
    refund_count: '1',
    out_refund_no_0: 'RF202603100001A',
    refund_id_0: '2008450740201411110000174436',
    refund_channel_0: 'ORIGINAL',
    refund_fee_0: '1990',
    refund_status_0: 'SUCCESS',
    refund_success_time_0: '2026-03-10 10:05:00',
    refund_recv_accout_0: '支付用户的零钱',
  };
  const V2_CAMEL_TWO = sdk(
    {
      returnCode: 'SUCCESS',
      resultCode: 'SUCCESS',
      outTradeNo: 'T202603100001',
      refundCount: 2,
      outRefundNo_0: 'RF-A',
      refundId_0: 'W-A',
      refundFee_0: 1000,
      refundStatus_0: 'SUCCESS',
      outRefundNo_1: 'RF-B',
      refundId_1: 'W-B',
      refundFee_1: 990,
      refundStatus_1: 'PROCESSING',
    },
    'queryRefund',
  );

  it('v2 indexed snake_case ⇒ status, fee, ids, success time', () => {
    expect(classifyRefundQuery(V2_SNAKE, 'RF202603100001A')).toEqual({
      status: 'SUCCESS',
      outRefundNo: 'RF202603100001A',
      refundId: '2008450740201411110000174436',
      refundFee: 1990,
      successTime: '2026-03-10 10:05:00',
      message: '退款成功，款项已原路退回',
    });
  });

  it('v2 indexed camelCase (as the SDK converts it) finds the right refund of several', () => {
    expect(classifyRefundQuery(V2_CAMEL_TWO, 'RF-B')).toMatchObject({ status: 'PROCESSING', refundFee: 990, refundId: 'W-B' });
    expect(classifyRefundQuery(V2_CAMEL_TWO, 'RF-B').message).toBe('退款处理中，通常1-3个工作日到账');
    expect(classifyRefundQuery(V2_CAMEL_TWO, 'RF-A')).toMatchObject({ status: 'SUCCESS', refundFee: 1000 });
    expect(classifyRefundQuery(V2_CAMEL_TWO, 'RF-C')).toEqual({
      status: 'UNKNOWN',
      outRefundNo: 'RF-C',
      message: '查询结果中没有该退款单，退款状态未知',
    });
    expect(classifyRefundQuery(V2_CAMEL_TWO).status).toBe('UNKNOWN');
  });

  it.each([
    ['CHANGE', 'ABNORMAL'],
    ['REFUNDCLOSE', 'CLOSED'],
    ['PROCESSING', 'PROCESSING'],
    ['SUCCESS', 'SUCCESS'],
    ['', 'UNKNOWN'],
    ['SOMETHING', 'UNKNOWN'],
  ])('refund_status %j ⇒ %s', (s, expected) => {
    expect(classifyRefundQuery({ ...V2_SNAKE, refund_status_0: s }, 'RF202603100001A').status).toBe(expected);
    expect(classifyRefundQuery(sdk({ returnCode: 'SUCCESS', resultCode: 'SUCCESS', outRefundNo_0: 'X', refundStatus_0: s }), 'X').status).toBe(expected);
  });

  it('empty or missing list fields ⇒ UNKNOWN', () => {
    expect(classifyRefundQuery(sdk({ returnCode: 'SUCCESS', resultCode: 'SUCCESS', refundCount: 0 }), 'RF1')).toEqual({
      status: 'UNKNOWN',
      outRefundNo: 'RF1',
      message: '查询结果为空，退款状态未知',
    });
    expect(classifyRefundQuery({ return_code: 'SUCCESS', result_code: 'SUCCESS', refund_list: [] }, 'RF1').status).toBe('UNKNOWN');
    expect(classifyRefundQuery({ return_code: 'SUCCESS', result_code: 'SUCCESS', out_refund_no_0: 'RF1' }, 'RF1').status).toBe('UNKNOWN');
  });

  it('REFUNDNOTEXIST ⇒ NOT_FOUND (safe to resubmit the same number), snake, camel and as the SDK returns it', () => {
    const expected = { status: 'NOT_FOUND', code: 'REFUNDNOTEXIST', message: '支付平台没有该退款单，可使用同一退款单号重新提交' };
    expect(classifyRefundQuery(bizFailSnake('REFUNDNOTEXIST', 'not exist'), 'RF1')).toEqual(expected);
    expect(classifyRefundQuery(bizFailCamel('REFUNDNOTEXIST', 'not exist'), 'RF1')).toEqual(expected);
    expect(classifyRefundQuery(sdk({ returnCode: 'SUCCESS', resultCode: 'FAIL', errCodeDes: '退款订单查询失败' }, 'queryRefund'), 'RF1')).toEqual({
      ...expected,
      inferred: true,
    });
  });

  it('query errors ⇒ UNKNOWN', () => {
    expect(classifyRefundQuery(bizFailSnake('SYSTEMERROR', '系统超时'), 'RF1')).toEqual({
      status: 'UNKNOWN',
      code: 'SYSTEMERROR',
      message: '查询退款失败，退款状态未知（系统超时）',
    });
    expect(classifyRefundQuery({ return_code: 'FAIL', return_msg: '签名错误' }, 'RF1').status).toBe('UNKNOWN');
    expect(classifyRefundQuery(new Error('timeout'), 'RF1')).toMatchObject({ status: 'UNKNOWN', code: 'NETWORK' });
    expect(classifyRefundQuery({ errCode: -1, errMsg: 'cloudPay.queryRefund:fail' }, 'RF1')).toMatchObject({ status: 'UNKNOWN', code: '-1' });
    expect(classifyRefundQuery(undefined, 'RF1').status).toBe('UNKNOWN');
  });

  it('reads a list form and a single (flattened) form', () => {
    const list = { returnCode: 'SUCCESS', resultCode: 'SUCCESS', refunds: [{ out_refund_no: 'RF1', refund_status: 'REFUNDCLOSE', refund_fee: 500 }] };
    expect(classifyRefundQuery(list, 'RF1')).toMatchObject({ status: 'CLOSED', refundFee: 500, outRefundNo: 'RF1' });
    const single = { out_refund_no: 'RF2', refund_id: 'W2', status: 'ABNORMAL' };
    expect(classifyRefundQuery(single, 'RF2')).toMatchObject({ status: 'ABNORMAL', refundId: 'W2' });
    const camelSingle = sdk({ returnCode: 'SUCCESS', resultCode: 'SUCCESS', outRefundNo: 'RF3', refundStatus: 'SUCCESS', refundFee: '700' });
    expect(classifyRefundQuery(camelSingle, 'RF3')).toMatchObject({ status: 'SUCCESS', refundFee: 700 });
  });

  it('a single entry without a number is taken for the queried number', () => {
    const r = classifyRefundQuery({ returnCode: 'SUCCESS', resultCode: 'SUCCESS', refundStatus_0: 'SUCCESS', refundFee_0: 100 }, 'RF1');
    expect(r).toMatchObject({ status: 'SUCCESS', outRefundNo: 'RF1', refundFee: 100 });
  });

  it('an unreadable fee is left out', () => {
    const r = classifyRefundQuery({ ...V2_SNAKE, refund_fee_0: '19.90' }, 'RF202603100001A');
    expect(r.status).toBe('SUCCESS');
    expect(r.refundFee).toBeUndefined();
  });
});

describe('notifications', () => {
  it.each([
    ['SUCCESS', 'SUCCESS'],
    ['success', 'SUCCESS'],
    ['CHANGE', 'ABNORMAL'],
    ['REFUNDCLOSE', 'CLOSED'],
    ['PROCESSING', 'UNKNOWN'],
    ['', 'UNKNOWN'],
    [undefined, 'UNKNOWN'],
  ])('status %j ⇒ %s', (s, expected) => {
    expect(classifyNotification(s)).toBe(expected);
  });

  const CAMEL = {
    outRefundNo: 'RF202603100001A',
    outTradeNo: 'T202603100001',
    refundId: '50300604212020051600550537447',
    refundFee: 1990,
    settlementRefundFee: 1990,
    totalFee: 3980,
    refundStatus: 'SUCCESS',
    successTime: '2026-03-10 10:05:00',
    refundRecvAccout: '支付用户零钱',
  };
  const SNAKE = {
    out_refund_no: 'RF202603100001A',
    out_trade_no: 'T202603100001',
    refund_id: '50300604212020051600550537447',
    refund_fee: '1990',
    settlement_refund_fee: '1990',
    total_fee: '3980',
    refund_status: 'SUCCESS',
    success_time: '2026-03-10 10:05:00',
    refund_recv_accout: '支付用户零钱',
  };

  it('reads camelCase and snake_case notifications alike', () => {
    expect(readRefundNotification(CAMEL)).toEqual(CAMEL);
    expect(readRefundNotification(SNAKE)).toEqual(CAMEL);
    expect(readRefundNotification(null)).toEqual({});
  });

  it('classifies a whole notification', () => {
    expect(classifyNotification(CAMEL)).toBe('SUCCESS');
    expect(classifyNotification({ ...SNAKE, refund_status: 'CHANGE' })).toBe('ABNORMAL');
    expect(classifyNotification({ ...SNAKE, refund_status: 'REFUNDCLOSE' })).toBe('CLOSED');
    expect(classifyNotification({ outRefundNo: 'RF1' })).toBe('UNKNOWN');
  });

  it('mapRefundStatus covers v2 and v3 words', () => {
    expect(['SUCCESS', 'PROCESSING', 'CHANGE', 'ABNORMAL', 'REFUNDCLOSE', 'CLOSED', 'X', null].map(mapRefundStatus)).toEqual([
      'SUCCESS',
      'PROCESSING',
      'ABNORMAL',
      'ABNORMAL',
      'CLOSED',
      'CLOSED',
      'UNKNOWN',
      'UNKNOWN',
    ]);
  });
});

describe('retryBackoff', () => {
  it('1 min, doubling, capped at 1 h', () => {
    const MIN = 60_000;
    expect([1, 2, 3, 4, 5, 6, 7, 8, 50].map(retryBackoff)).toEqual([1, 2, 4, 8, 16, 32, 60, 60, 60].map((m) => m * MIN));
    expect(retryBackoff(0)).toBe(MIN);
    expect(retryBackoff(-3)).toBe(MIN);
    expect(retryBackoff(Number.NaN)).toBe(MIN);
    expect(retryBackoff(Number.POSITIVE_INFINITY)).toBe(60 * MIN);
  });

  it('the arrival hint', () => {
    expect(REFUND_ARRIVAL_HINT).toBe('通常1-3个工作日到账');
  });
});

describe('processingRecheck', () => {
  const MIN = 60_000;
  it('the policy interval while the refund is young, then half its age, capped at 2 h', () => {
    expect(processingRecheck(0, 5)).toBe(5 * MIN);
    expect(processingRecheck(8 * MIN, 5)).toBe(5 * MIN);
    expect(processingRecheck(30 * MIN, 5)).toBe(15 * MIN);
    expect(processingRecheck(3 * 60 * MIN, 5)).toBe(90 * MIN);
    expect(processingRecheck(3 * 24 * 60 * MIN, 5)).toBe(120 * MIN);
  });
  it('a longer policy interval is the floor; bad inputs fall back to it', () => {
    expect(processingRecheck(30 * MIN, 20)).toBe(20 * MIN);
    expect(processingRecheck(Number.NaN, 5)).toBe(5 * MIN);
    expect(processingRecheck(-10 * MIN, 5)).toBe(5 * MIN);
    expect(processingRecheck(10 * MIN, 0)).toBe(5 * MIN);
  });
});
