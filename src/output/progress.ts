// A spinner on stderr for long work, only when stderr is a terminal and not
// a CI job's log (TERM=dumb or CI set); ora is loaded only then. NO_COLOR
// turns its colour off.
export interface Progress {
  update(text: string): void;
  done(): void;
}

const NONE: Progress = { update: () => undefined, done: () => undefined };

export async function startProgress(text: string): Promise<Progress> {
  // A pseudo-terminal without a size (columns 0) would send ora's line
  // arithmetic into an endless loop.
  if (!process.stderr.isTTY || !process.stderr.columns) return NONE;
  // Left to ora, these cases would print a '- text' line instead of nothing.
  if (process.env.TERM === 'dumb' || 'CI' in process.env) return NONE;
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: process.stderr, isEnabled: true, color: process.env.NO_COLOR ? false : 'cyan' }).start();
  return {
    update: (t) => {
      spinner.text = t;
    },
    done: () => {
      spinner.stop();
    },
  };
}
