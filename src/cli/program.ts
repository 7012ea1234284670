// Turns argv into a command run: cobra-style command lookup (unambiguous
// prefixes), pflag-style scanning, then commander dispatch.
import { Command } from 'commander';
import { editDistance } from '../base/text.js';
import { CliError, ExitCode } from '../base/errors.js';
import { UsageError } from './errors.js';
import { addFlags, scan, type FlagSpec } from './flags.js';
import { Context, GLOBAL_FLAGS } from './global.js';
import { HELP_FLAG, renderHelp } from './help.js';
import type { CommandDef, Flags } from './registry.js';
import { stdout } from '../output/out.js';

function findSub(def: CommandDef, word: string): CommandDef | undefined {
  const subs = def.subcommands ?? [];
  const exact = subs.find((c) => c.name === word);
  if (exact) return exact;
  const matches = subs.filter((c) => c.name.startsWith(word));
  return matches.length === 1 ? matches[0] : undefined;
}

function unknownCommand(root: CommandDef, word: string): CliError {
  // cobra never suggests its help command.
  const suggestions = (root.subcommands ?? []).filter(
    (c) => c.name !== 'help' && (editDistance(word.toLowerCase(), c.name.toLowerCase()) <= 2 || c.name.toLowerCase().startsWith(word.toLowerCase())),
  );
  let msg = `unknown command ${JSON.stringify(word)} for "etcdctl"`;
  if (suggestions.length) msg += `\n\nDid you mean this?\n${suggestions.map((s) => `\t${s.name}\n`).join('')}`;
  return new UsageError(`${msg}\nRun 'etcdctl --help' for usage.`, false);
}

// Flags visible to the command at the end of `path`.
function flagsFor(path: CommandDef[]): { local: FlagSpec[]; inherited: FlagSpec[] } {
  const leaf = path[path.length - 1]!;
  const inherited = [...GLOBAL_FLAGS, ...path.slice(0, -1).flatMap((d) => d.persistentFlags ?? [])];
  return { local: [...leaf.flags, ...(leaf.persistentFlags ?? []), HELP_FLAG(leaf.name)], inherited };
}

interface Resolved {
  path: CommandDef[];
  rest: string[];
}

function resolve(root: CommandDef, args: string[]): Resolved {
  const path = [root];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const cur = path[path.length - 1]!;
    if (a === '--') {
      rest.push(...args.slice(i));
      break;
    }
    if (a.startsWith('-') && a.length > 1) {
      rest.push(a);
      const { local, inherited } = flagsFor(path);
      const all = [...local, ...inherited];
      const long = a.startsWith('--') ? all.find((f) => f.name === a.slice(2)) : a.length === 2 ? all.find((f) => f.short === a[1]) : undefined;
      if (long && long.kind !== 'bool' && i + 1 < args.length) rest.push(args[++i]!);
      continue;
    }
    if (!cur.subcommands) {
      rest.push(a);
      continue;
    }
    const sub = findSub(cur, a);
    if (sub) path.push(sub);
    else if (cur === root) throw unknownCommand(root, a);
    else rest.push(a);
  }
  return { path, rest };
}

function printHelp(path: CommandDef[]): void {
  process.stdout.write(renderHelp(path, flagsFor(path).inherited));
}

// `help <command words>`, as cobra's help command: an unknown topic is
// named on stderr and the root help printed; exit 0 either way.
function helpTopic(root: CommandDef, words: string[]): number {
  let path = [root];
  try {
    if (words.length) path = resolve(root, words).path;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`Unknown help topic [${words.map((w) => `\`${w}\``).join(' ')}]\n`);
  }
  printHelp(path);
  return ExitCode.Success;
}

function configure(cmd: Command): Command {
  return cmd
    .exitOverride()
    .helpOption(false)
    .allowExcessArguments(true)
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: () => undefined });
}

export async function run(root: CommandDef, args: string[]): Promise<number> {
  let path: CommandDef[] = [root];
  let ctx: Context | undefined;
  try {
    const resolved = resolve(root, args);
    path = resolved.path;
    const leaf = path[path.length - 1]!;
    if (path.length === 2 && leaf.name === 'help' && !resolved.rest.includes('--help'))
      return helpTopic(
        root,
        resolved.rest.filter((a) => !a.startsWith('-')),
      );
    const { local, inherited } = flagsFor(path);
    const scanned = scan(resolved.rest, [...local, ...inherited]);
    if (scanned.argv.includes('--help') || !leaf.run) {
      printHelp(path);
      return ExitCode.Success;
    }
    // Build only the commander chain this invocation needs.
    const program = configure(new Command('etcdctl'));
    addFlags(program, inherited);
    const leafCmd = configure(new Command(leaf.name));
    addFlags(leafCmd, local);
    leafCmd.argument('[args...]');
    program.addCommand(leafCmd);
    leafCmd.action(async (positionals: string[], _opts: Flags, command: Command) => {
      for (const name of scanned.falseBools) {
        const owner = command.options.some((o) => o.attributeName() === name) ? command : program;
        owner.setOptionValueWithSource(name, false, 'cli');
      }
      ctx = new Context(command, { flags: inherited, extraEnv: leaf.extraEnv });
      const dash = scanned.argv.indexOf('--');
      if (dash >= 0) ctx.dashAt = scanned.argv.slice(0, dash).filter((a) => !a.startsWith('--')).length;
      // Refused before any request: no etcdctl script can depend on it.
      if (ctx.settings.format === 'jsonl' && !leaf.ownFormats?.includes('jsonl'))
        throw new CliError('jsonl not supported as output format (get and watch write it)', ExitCode.BadFeature);
      await leaf.run!(ctx, positionals, command.opts() as Flags);
    });
    try {
      await program.parseAsync([leaf.name, ...scanned.argv], { from: 'user' });
    } catch (e) {
      if (e instanceof CliError) throw e;
      const ce = e as { code?: string; message?: string };
      if (typeof ce.code === 'string' && ce.code.startsWith('commander.')) throw new UsageError(String(ce.message).replace(/^error: /, ''));
      throw e;
    }
    return ExitCode.Success;
  } catch (e) {
    let debug = false;
    try {
      debug = Boolean(ctx?.settings.debug);
    } catch {
      // Settings that do not parse have been reported already.
    }
    return report(e, path, debug);
  } finally {
    ctx?.close();
  }
}

function report(e: unknown, path: CommandDef[], debug: boolean): number {
  // What was printed before the failure (a partly streamed range) comes first.
  stdout.flush();
  const err = e as Error & { hints?: string[]; detail?: string[] };
  if (debug) for (const d of err?.detail ?? []) process.stderr.write(`debug: ${d}\n`);
  for (const h of err?.hints ?? []) process.stderr.write(`etcdctl-ts: ${h}\n`);
  if (e instanceof CliError) {
    if (e.quiet) return e.code;
    process.stderr.write(`Error: ${e.message}\n`);
    if (e instanceof UsageError && e.showUsage) printHelp(path);
    return e.code;
  }
  process.stderr.write(`Error: ${err?.message ?? String(e)}\n`);
  if (process.env.ETCDCTL_TS_TRACE) process.stderr.write(`${err?.stack}\n`);
  return ExitCode.Error;
}
