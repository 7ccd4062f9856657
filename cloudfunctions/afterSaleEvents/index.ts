import { defineFunction } from '../core/runtime/shell';
import { afterSaleEvents } from '../shop/examples/afterSaleEvents';

export const main = defineFunction('afterSaleEvents', afterSaleEvents);
