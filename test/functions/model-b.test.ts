/** Model-based test of issue 15, part b (see test/functions/model/): 100 sequences from seed 20261207. */
import { modelSuite } from './model/jest-suite';

modelSuite('b', 20261207, 100);
