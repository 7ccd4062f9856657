/**
 * Model-based test of issue 15, part b1 (see test/functions/model/): 50 sequences,
 * the i-th from seed 2000000 + i (the parts' seed ranges do not overlap; parts b1 and
 * b2 together are the 100 sequences from seed 2000000, split in two files so that
 * jest's workers share them out evenly).
 */
import { modelSuite } from './model/jest-suite';

modelSuite('b1', 2000000, 50);
