// Build step: prints the command tree as the completion bundle's data, so
// completing a command or flag never loads the commands themselves.
import { GLOBAL_FLAGS } from '../cli/global.js';
import type { FlagSpec } from '../cli/flags.js';
import type { CommandDef } from '../cli/registry.js';
import { ROOT } from '../commands/index.js';
import type { CmdSpec, FlagInfo } from './complete.js';

const flag = (f: FlagSpec): FlagInfo => ({ name: f.name, ...(f.short ? { short: f.short } : {}), value: f.kind !== 'bool' });
const HELP: FlagInfo = { name: 'help', short: 'h', value: false };

function spec(c: CommandDef): CmdSpec {
  return { name: c.name, flags: [...c.flags.map(flag), HELP], persistent: (c.persistentFlags ?? []).map(flag), subcommands: (c.subcommands ?? []).map(spec) };
}

process.stdout.write(JSON.stringify({ root: spec(ROOT), globals: GLOBAL_FLAGS.map(flag) }));
