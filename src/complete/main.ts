// `etcdctl-ts __complete <words…>`: the entry point the shell scripts call.
// Prints one candidate a line, then the directive line. Static answers
// come from the command tree compiled in; live ones are bounded in time
// and never prompt, print errors or write.
import { parseDuration } from '../cli/values.js';
import { complete, directive, type CmdSpec, type FlagInfo } from './complete.js';

declare const __SPEC__: { root: CmdSpec; globals: FlagInfo[] };

// The whole answer, live lookups included, within this bound; longer when
// a password is on the line or in ETCDCTL_*: logging in costs the server a
// bcrypt hash (tens to hundreds of ms) before the lookup can start.
const argv = process.argv;
const withPassword =
  argv.some((w, i) => /^--(user=.*:|password=.)/.test(w) || w === '--password' || (w === '--user' && argv[i + 1]?.includes(':'))) ||
  Boolean(process.env.ETCDCTL_PASSWORD) ||
  (process.env.ETCDCTL_USER ?? '').includes(':');
// ETCDCTL_TS_COMPLETE_TIMEOUT (a duration, "2s") sets it for slow links; a
// value that does not parse is ignored, as completion never prints errors.
function budget(): number {
  const v = process.env.ETCDCTL_TS_COMPLETE_TIMEOUT;
  if (v) {
    try {
      const ms = parseDuration(v);
      if (ms > 0) return ms;
    } catch {
      // The default below.
    }
  }
  return withPassword ? 1500 : 300;
}
const BUDGET_MS = budget();

async function main(words: string[]): Promise<void> {
  const c = complete(__SPEC__.root, __SPEC__.globals, words.length ? words : ['']);
  let candidates = c.candidates;
  let nospace = c.nospace;
  if (c.lookup) {
    const { lookup } = await import('./live.js');
    const found = await lookup(c.lookup, c.prefix, c.position.flagWords, process.env, Date.now() + BUDGET_MS - 50).catch(() => ({
      candidates: [],
      nospace: false,
    }));
    candidates = found.candidates;
    nospace = found.nospace;
  }
  process.stdout.write(`${[...candidates, directive({ ...c, candidates, nospace })].join('\n')}\n`);
}

const guard = setTimeout(() => {
  process.stdout.write(':0\n');
  process.exit(0);
}, BUDGET_MS);
main(process.argv.slice(3)).then(
  () => {
    clearTimeout(guard);
    process.exit(0);
  },
  () => process.exit(0),
);
