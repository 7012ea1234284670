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
  // Lines printed before "Error:" (and, with --debug, raw details).
  hints: string[] = [];
  detail: string[] = [];
  // Exit with the code only: the command has reported its failures itself.
  quiet = false;

  constructor(
    message: string,
    readonly code: number = ExitCode.Error,
  ) {
    super(message);
  }

  silent(): this {
    this.quiet = true;
    return this;
  }

  // Keeps the explanation of the error this one replaces.
  from(e: { hints?: string[]; detail?: string[] }): this {
    this.hints = e.hints ?? [];
    this.detail = e.detail ?? [];
    return this;
  }
}

// Re-raises a failed request with another exit code (and optionally
// wording), keeping its explanation.
export function failWith(e: unknown, code: number, message?: (m: string) => string): CliError {
  const err = e as Error & { hints?: string[]; detail?: string[] };
  if (e instanceof CliError) return e;
  return new CliError(message ? message(err.message) : err.message, code).from(err);
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  EEXIST: 'file exists',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
};

// A failed file operation worded as Go's *os.PathError: "open /x: no such file or directory".
export function goPathError(op: string, path: string, e: unknown): string {
  return `${op} ${path}: ${errnoText(e)}`;
}

// A failed rename worded as Go's *os.LinkError: "rename /a /b: file exists".
export function goLinkError(op: string, from: string, to: string, e: unknown): string {
  return `${op} ${from} ${to}: ${errnoText(e)}`;
}

function errnoText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return ERRNO_TEXT[err.code ?? ''] ?? err.message;
}
