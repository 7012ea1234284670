// completion bash|zsh|fish: prints the script shipped in completions/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, ExitCode } from '../cli/errors.js';
import type { CommandDef } from '../cli/registry.js';
import { stdout } from '../output/out.js';

export const SCRIPTS: Record<string, string> = { bash: 'etcdctl-ts.bash', zsh: '_etcdctl-ts', fish: 'etcdctl-ts.fish' };

export const completionCommand: CommandDef = {
  name: 'completion',
  usage: 'completion [bash|zsh|fish]',
  summary: 'Generate completion script',
  description: 'To load completions:\n\nbash:  source <(etcdctl-ts completion bash)\nzsh:   source <(etcdctl-ts completion zsh)   (after compinit)\nfish:  etcdctl-ts completion fish | source',
  flags: [],
  async run(_ctx, args) {
    const file = args.length === 1 ? SCRIPTS[args[0]!] : undefined;
    if (!file) throw new CliError(args.length === 1 ? `invalid argument ${JSON.stringify(args[0])} for "etcdctl-ts completion": one of bash, zsh, fish` : 'completion takes one argument: bash, zsh or fish', ExitCode.BadArgs);
    // The bundle sits in dist/; the scripts ship beside it in completions/.
    stdout.write(readFileSync(join(__dirname, '..', 'completions', file)));
  },
};
