import { defineFunction } from '../core/runtime/shell';
import { queryReturns } from '../core/usecases/queryReturns';

export const main = defineFunction('queryReturns', queryReturns);
