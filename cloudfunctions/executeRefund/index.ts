import { defineFunction } from '../core/runtime/shell';
import { executeRefund } from '../core/usecases/executeRefund';

export const main = defineFunction('executeRefund', executeRefund);
