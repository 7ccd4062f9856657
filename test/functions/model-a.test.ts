/**
 * Model-based test of issue 15, part a (see test/functions/model/): 100 sequences,
 * the i-th from seed 1000000 + i (the parts' seed ranges do not overlap).
 */
import { modelSuite } from './model/jest-suite';

modelSuite('a', 1000000, 100);
