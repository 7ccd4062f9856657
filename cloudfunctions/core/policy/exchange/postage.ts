/**
 * Who pays postage each way of an exchange (换货). The shop always ships the
 * replacement; the way back follows the reason (seller-side: the shop, by
 * pickup on its account or freight collect 到付; size, colour and other
 * buyer-side reasons: the buyer). An exchange moves no money, so nothing is
 * reimbursed: a seller-side way back is paid by the shop directly. Pure.
 */
import { freightPayer } from '../reasons';
import type { FreightPayer, ReasonCode } from '../types';

export interface ExchangeFreight {
  /** The goods going back to the shop. */
  back: FreightPayer;
  /** The replacement going out. */
  out: 'SELLER';
  /** What the buyer reads. */
  text: string;
}

export function exchangeFreight(reason: ReasonCode): ExchangeFreight {
  const back = freightPayer(reason);
  return {
    back,
    out: 'SELLER',
    text: back === 'SELLER' ? '寄回运费由商家承担：请预约上门取件（商家付费），或自行寄回时选择到付；换货商品由商家包邮寄出' : '寄回运费由您承担；换货商品由商家包邮寄出',
  };
}
