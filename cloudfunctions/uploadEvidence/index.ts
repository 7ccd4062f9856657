import { defineFunction } from '../core/runtime/shell';
import { fail } from '../core/runtime/envelope';

// Placeholder until the use case lands (issue: the after-sales functions).
export const main = defineFunction('uploadEvidence', async () => fail('INTERNAL', '该功能尚未开放'));
