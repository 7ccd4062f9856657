import { defineFunction } from '../core/runtime/shell';
import { refundCallback } from '../core/usecases/refundCallback';

export const main = defineFunction('refundCallback', refundCallback);
