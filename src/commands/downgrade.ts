// downgrade validate|enable|cancel (etcdctl 3.6): lowers the cluster, and
// then each member's storage, one minor version so that members can be
// swapped for the older release one at a time.
import { CliError, ExitCode } from '../base/errors.js';
import type { CommandDef } from '../cli/registry.js';
import { DowngradeAction } from '../client/types.js';
import { ClusterPrinter } from '../output/cluster.js';

const bad = (msg: string) => new CliError(msg, ExitCode.BadArgs);

function targetVersion(args: string[]): string {
  if (args.length < 1) throw bad('TARGET_VERSION not provided');
  if (args.length > 1) throw bad('too many arguments');
  return args[0]!;
}

const withTarget = (name: 'validate' | 'enable', action: DowngradeAction, summary: string, description: string): CommandDef => ({
  name,
  usage: `${name} <TARGET_VERSION>`,
  summary,
  description,
  flags: [],
  async run(ctx, args) {
    const version = targetVersion(args);
    const client = await ctx.client();
    new ClusterPrinter(ctx.settings.format).downgrade(name, await client.downgrade(action, version, { deadline: ctx.commandDeadline() }));
  },
});

export const downgradeCommand: CommandDef = {
  name: 'downgrade',
  usage: 'downgrade <TARGET_VERSION>',
  summary: 'Downgrade related commands',
  flags: [],
  subcommands: [
    withTarget(
      'validate',
      DowngradeAction.Validate,
      'Validate downgrade capability before starting downgrade',
      'Asks the cluster whether it can go down to TARGET_VERSION (X.Y or X.Y.Z: one minor below the cluster version, with no downgrade under way); changes nothing.',
    ),
    withTarget(
      'enable',
      DowngradeAction.Enable,
      'Start a downgrade action to cluster',
      "Starts the downgrade to TARGET_VERSION: the cluster version drops, then every member migrates its storage to it; `endpoint status -w json` shows storageVersion and downgradeInfo. Then replace the members' binaries one at a time.",
    ),
    {
      name: 'cancel',
      usage: 'cancel',
      summary: 'Cancel the ongoing downgrade action to cluster',
      description:
        'Cancels a downgrade: the cluster version and the storage go back up. The server answers success also when no downgrade was under way, as etcdctl shows.',
      flags: [],
      async run(ctx) {
        const client = await ctx.client();
        new ClusterPrinter(ctx.settings.format).downgrade('cancel', await client.downgrade(DowngradeAction.Cancel, '', { deadline: ctx.commandDeadline() }));
      },
    },
  ],
};
