// The root of the command tree, in etcdctl's registration order (which is
// the order of "Did you mean this?" suggestions).
import type { CommandDef } from '../cli/registry.js';
import { authCommand, roleCommand, userCommand } from './auth.js';
import { checkCommand } from './check.js';
import { completionCommand } from './completion.js';
import { compactionCommand, delCommand, getCommand, putCommand } from './kv.js';
import { defragCommand, endpointCommand } from './endpoint.js';
import { k8sCommand } from './k8s.js';
import { leaseCommand } from './lease.js';
import { electCommand, lockCommand } from './lock.js';
import { alarmCommand, moveLeaderCommand } from './maintenance.js';
import { memberCommand } from './member.js';
import { makeMirrorCommand } from './mirror.js';
import { snapshotCommand } from './snapshot.js';
import { txnCommand } from './txn.js';
import { versionCommand } from './version.js';
import { optionsCommand } from './options.js';
import { downgradeCommand } from './downgrade.js';
import { watchCommand } from './watch.js';

// cobra's `help [command]`; the CLI prints the help itself (program.ts).
const helpCommand: CommandDef = {
  name: 'help',
  usage: 'help [command]',
  summary: 'Help about any command',
  description: 'Prints the help of the command named after help (etcdctl help member add), or of etcdctl itself.',
  flags: [],
};

export const ROOT: CommandDef = {
  name: 'etcdctl',
  usage: 'etcdctl',
  summary: 'A simple command line client for etcd3.',
  flags: [],
  subcommands: [
    getCommand,
    putCommand,
    delCommand,
    txnCommand,
    compactionCommand,
    alarmCommand,
    defragCommand,
    endpointCommand,
    moveLeaderCommand,
    watchCommand,
    versionCommand,
    leaseCommand,
    memberCommand,
    snapshotCommand,
    makeMirrorCommand,
    lockCommand,
    electCommand,
    authCommand,
    userCommand,
    roleCommand,
    checkCommand,
    downgradeCommand,
    k8sCommand,
    completionCommand,
    optionsCommand,
    helpCommand,
  ],
};
