/**
 * Model-based test of issue 15, part c2 (see test/functions/model/): 50 sequences,
 * the i-th from seed 3000050 + i (the parts' seed ranges do not overlap; parts c1 and
 * c2 together are the 100 sequences from seed 3000000, split in two files so that
 * jest's workers share them out evenly).
 */
import { modelSuite } from './model/jest-suite';

modelSuite('c2', 3000050, 50);
