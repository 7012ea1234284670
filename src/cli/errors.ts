// The CLI's own error: cobra's usage errors. The error type and exit codes
// are the ground floor's (base/errors.ts).
import { CliError, ExitCode } from '../base/errors.js';

// A cobra-level usage error (unknown flag, bad flag value): exit 1, usage on stdout.
export class UsageError extends CliError {
  constructor(
    message: string,
    readonly showUsage = true,
  ) {
    super(message, ExitCode.Error);
  }
}
