import { defineFunction } from '../core/runtime/shell';
import { submitLogistics } from '../core/usecases/submitLogistics';

export const main = defineFunction('submitLogistics', submitLogistics);
