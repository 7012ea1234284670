// Which etcdctl a server test compares against, where it is not the 3.4
// reference. It imports servers.ts, so only server tests may use it.
import { ETCDCTL, exec, type RunOptions } from './cli.js';
import { atLeast, server } from './servers.js';

// `endpoint status|hashkv -w json` passes through the fields 3.6+ servers
// add, as etcdctl 3.6 and later print them (their json is otherwise
// 3.4's): against such a server, the reference is the server's etcdctl.
export function referenceFor(args: string[]): string {
  const i = args.indexOf('endpoint');
  const json = args.some((a, j) => a === '-w=json' || a === '--write-out=json' || ((a === '-w' || a === '--write-out') && args[j + 1] === 'json'));
  return json && i >= 0 && ['status', 'hashkv'].includes(args[i + 1]!) && atLeast('3.6') ? server().etcdctl : ETCDCTL;
}
export const reference = (args: string[], o?: RunOptions) => exec(referenceFor(args), args, o);
