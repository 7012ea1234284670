// A spinner on stderr for long work, only when stderr is a terminal; ora
// is loaded only then. NO_COLOR turns its colour off.
export interface Progress {
  update(text: string): void;
  done(): void;
}

const NONE: Progress = { update: () => undefined, done: () => undefined };

export async function startProgress(text: string): Promise<Progress> {
  // A pseudo-terminal without a size (columns 0) would send ora's line
  // arithmetic into an endless loop.
  if (!process.stderr.isTTY || !process.stderr.columns) return NONE;
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: process.stderr, color: process.env.NO_COLOR ? false : 'cyan' }).start();
  return {
    update: (t) => {
      spinner.text = t;
    },
    done: () => {
      spinner.stop();
    },
  };
}
