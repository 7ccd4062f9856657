/** Model-based test of issue 15, part a (see test/functions/model/): 100 sequences from seed 20261206. */
import { modelSuite } from './model/jest-suite';

modelSuite('a', 20261206, 100);
