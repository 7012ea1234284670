// The command tree: every command's name, usage, flags and handler. The
// CLI, help text and (later) completions are all derived from it.
import type { Context } from './global.js';
import type { FlagSpec, FlagValue } from './flags.js';

export type Flags = Record<string, FlagValue>;

export interface CommandDef {
  name: string;
  usage: string;
  summary: string;
  description?: string;
  flags: FlagSpec[];
  // Persistent flags a group passes to its subcommands (settable by env).
  persistentFlags?: FlagSpec[];
  // ETCDCTL_* names the command reads itself (not flags).
  extraEnv?: string[];
  subcommands?: CommandDef[];
  // etcdctl-ts's own output formats the command writes (etcdctl's are
  // refused by its printers, after the request, as etcdctl does).
  ownFormats?: 'jsonl'[];
  run?: (ctx: Context, args: string[], flags: Flags) => Promise<void>;
}
