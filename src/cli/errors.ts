// etcdctl's exit codes (etcdctl/ctlv3/command/error.go).
export const enum ExitCode {
  Success = 0,
  Error = 1,
  BadConnection = 2,
  InvalidInput = 3,
  BadFeature = 4,
  Interrupted = 5,
  IO = 6,
  BadArgs = 128,
}

// An error the CLI reports as `Error: <message>` and exits with `code`.
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: number = ExitCode.Error,
  ) {
    super(message);
  }
}

// A cobra-level usage error (unknown flag, bad flag value): exit 1, usage on stdout.
export class UsageError extends CliError {
  constructor(
    message: string,
    readonly showUsage = true,
  ) {
    super(message, ExitCode.Error);
  }
}
