/**
 * Model-based test of issue 15, part a1 (see test/functions/model/): 50 sequences,
 * the i-th from seed 1000000 + i (the parts' seed ranges do not overlap; parts a1 and
 * a2 together are the 100 sequences from seed 1000000, split in two files so that
 * jest's workers share them out evenly).
 */
import { modelSuite } from './model/jest-suite';

modelSuite('a1', 1000000, 50);
