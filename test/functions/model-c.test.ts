/** Model-based test of issue 15, part c (see test/functions/model/): 100 sequences from seed 20261208. */
import { modelSuite } from './model/jest-suite';

modelSuite('c', 20261208, 100);
