import { kvSuite } from './kv-suite.js';

kvSuite('plain');
