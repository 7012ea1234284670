import { kvSuite } from './kv-suite.js';

kvSuite('tls');
