// `options` (etcdctl 3.7): the global flags, which every command takes.
import { GLOBAL_FLAGS } from '../cli/global.js';
import { pflagRows } from '../cli/help.js';
import type { CommandDef } from '../cli/registry.js';
import { stdout } from '../output/out.js';

export const optionsCommand: CommandDef = {
  name: 'options',
  usage: 'options',
  summary: 'Show the global command-line flags',
  description: 'Lists the global flags, which every command takes, in the layout of etcdctl 3.7.',
  flags: [],
  async run() {
    stdout.write(`The following options can be passed to any command:\n\n${pflagRows(GLOBAL_FLAGS)}`);
  },
};
