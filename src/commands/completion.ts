// completion bash|zsh|fish: prints the script shipped in completions/,
// compiled into the bundle so a single executable needs no files beside it.
import { CliError, ExitCode } from '../base/errors.js';
import type { CommandDef } from '../cli/registry.js';
import { stdout } from '../output/out.js';

declare const __COMPLETIONS__: Record<string, string>;

export const SCRIPTS: Record<string, string> = { bash: 'etcdctl-ts.bash', zsh: '_etcdctl-ts', fish: 'etcdctl-ts.fish' };

export const completionCommand: CommandDef = {
  name: 'completion',
  usage: 'completion [bash|zsh|fish]',
  summary: 'Generate completion script',
  description:
    'To load completions:\n\nbash:  source <(etcdctl-ts completion bash)\nzsh:   source <(etcdctl-ts completion zsh)   (after compinit)\nfish:  etcdctl-ts completion fish | source',
  flags: [],
  async run(_ctx, args) {
    const file = args.length === 1 ? SCRIPTS[args[0]!] : undefined;
    if (!file)
      throw new CliError(
        args.length === 1
          ? `invalid argument ${JSON.stringify(args[0])} for "etcdctl-ts completion": one of bash, zsh, fish`
          : 'completion takes one argument: bash, zsh or fish',
        ExitCode.BadArgs,
      );
    stdout.write(__COMPLETIONS__[file]!);
  },
};
