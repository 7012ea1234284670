import { API_VERSION, ETCDCTL_VERSION } from '../cli/help.js';
import type { CommandDef } from '../cli/registry.js';
import { stdout } from '../output/out.js';

// Reports the etcdctl release whose behaviour etcdctl-ts reproduces, in
// etcdctl's words, so scripts that parse it keep working.
export const versionCommand: CommandDef = {
  name: 'version',
  usage: 'version',
  summary: 'Prints the version of etcdctl',
  flags: [],
  async run() {
    stdout.write(`etcdctl version: ${ETCDCTL_VERSION}\nAPI version: ${API_VERSION}\n`);
  },
};
