import { defineFunction } from '../core/runtime/shell';
import { applyReturn } from '../core/usecases/applyReturn';

export const main = defineFunction('applyReturn', applyReturn);
