import { defineFunction } from '../core/runtime/shell';
import { uploadEvidence } from '../core/usecases/uploadEvidence';

export const main = defineFunction('uploadEvidence', uploadEvidence);
