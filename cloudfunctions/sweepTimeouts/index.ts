import { defineFunction } from '../core/runtime/shell';
import { sweepTimeouts } from '../core/usecases/sweepTimeouts';

export const main = defineFunction('sweepTimeouts', sweepTimeouts);
