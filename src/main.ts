// Entry point: etcdctl's ETCDCTL_API handling, then the command run.
import { rawArgs } from './base/bytes.js';
import { ExitCode } from './base/errors.js';
import { run } from './cli/program.js';
import { ROOT } from './commands/index.js';
import { stdout } from './output/out.js';

export async function main(argv: string[]): Promise<number> {
  const api = process.env.ETCDCTL_API;
  delete process.env.ETCDCTL_API;
  if (api !== undefined && api !== '' && api !== '3') {
    process.stderr.write(`Error: unsupported API version ${JSON.stringify(api)}: etcdctl-ts speaks the v3 API only (unset ETCDCTL_API or set it to 3)\n`);
    return ExitCode.Error;
  }
  const code = await run(ROOT, argv);
  stdout.flush();
  return code;
}

main(rawArgs(process.argv.slice(2))).then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`Error: ${e.message}\n`);
    process.exit(ExitCode.Error);
  },
);
