/**
 * Model-based test of issue 15, part c (see test/functions/model/): 100 sequences,
 * the i-th from seed 3000000 + i (the parts' seed ranges do not overlap).
 */
import { modelSuite } from './model/jest-suite';

modelSuite('c', 3000000, 100);
