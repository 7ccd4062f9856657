import { defineFunction } from '../core/runtime/shell';
import { reviewReturn } from '../core/usecases/reviewReturn';

export const main = defineFunction('reviewReturn', reviewReturn);
