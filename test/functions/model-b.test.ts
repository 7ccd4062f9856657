/**
 * Model-based test of issue 15, part b (see test/functions/model/): 100 sequences,
 * the i-th from seed 2000000 + i (the parts' seed ranges do not overlap).
 */
import { modelSuite } from './model/jest-suite';

modelSuite('b', 2000000, 100);
