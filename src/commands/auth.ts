// auth enable|disable|status, user …, role ….
import { bytes } from '../base/bytes.js';
import { CliError, ExitCode } from '../base/errors.js';
import type { Context } from '../cli/global.js';
import { readPassword, readWordSync } from '../cli/prompt.js';
import type { CommandDef, Flags } from '../cli/registry.js';
import { EtcdError } from '../client/etcd.js';
import { prefixEnd } from '../client/prefix.js';
import { Code } from '../client/transport.js';
import { PermType } from '../client/types.js';
import { AuthPrinter } from '../output/auth.js';
import { stdout } from '../output/out.js';

const bad = (msg: string) => new CliError(msg, ExitCode.BadArgs);
const printer = (ctx: Context) => new AuthPrinter(ctx.settings.format);

function noArgs(args: string[], msg: string): void {
  if (args.length !== 0) throw bad(msg);
}

function oneArg(args: string[], msg: string): string {
  if (args.length !== 1) throw bad(msg);
  return args[0]!;
}

// --- auth ---

const authEnable: CommandDef = {
  name: 'enable',
  usage: 'enable',
  summary: 'Enables authentication',
  flags: [],
  async run(ctx, args) {
    noArgs(args, 'auth enable command does not accept any arguments');
    const client = await ctx.client();
    const deadline = ctx.commandDeadline();
    // As etcdctl: a root user without the root role gets it, then enabling is retried.
    for (;;) {
      try {
        await client.authEnable({ deadline });
        break;
      } catch (e) {
        if ((e as Error).message !== 'etcdserver: root user does not have root role') throw e;
        await client.roleAdd('root', { deadline });
        await client.userGrantRole('root', 'root', { deadline });
      }
    }
    stdout.write('Authentication Enabled\n');
  },
};

const authDisable: CommandDef = {
  name: 'disable',
  usage: 'disable',
  summary: 'Disables authentication',
  flags: [],
  async run(ctx, args) {
    noArgs(args, 'auth disable command does not accept any arguments');
    const client = await ctx.client();
    await client.authDisable({ deadline: ctx.commandDeadline() });
    stdout.write('Authentication Disabled\n');
  },
};

const authStatus: CommandDef = {
  name: 'status',
  usage: 'status',
  summary: 'Returns authentication status',
  flags: [],
  async run(ctx, args) {
    noArgs(args, 'auth status command does not accept any arguments');
    const client = await ctx.client();
    try {
      printer(ctx).authStatus(await client.authStatus({ deadline: ctx.commandDeadline() }));
    } catch (e) {
      if (e instanceof EtcdError && e.code === Code.Unimplemented) {
        e.hints.push('the server has no AuthStatus call: auth status needs etcd 3.5 or newer');
      }
      throw e;
    }
  },
};

export const authCommand: CommandDef = {
  name: 'auth',
  usage: 'auth <enable or disable>',
  summary: 'Enable or disable authentication',
  flags: [],
  subcommands: [authEnable, authDisable, authStatus],
};

// --- user ---

// Asked twice on a terminal (once per line of stdin otherwise), as etcdctl.
async function askNewPassword(name: string): Promise<string> {
  const first = await readPassword(`Password of ${name}: `).catch((e: Error) => {
    throw bad(`failed to ask password: ${e.message}`);
  });
  if (first === '') throw bad('empty password');
  const second = await readPassword(`Type password of ${name} again for confirmation: `).catch((e: Error) => {
    throw bad(`failed to ask password: ${e.message}`);
  });
  if (first !== second) throw bad('given passwords are different');
  return first;
}

const newPassword = (name: string, f: Flags) => (f.interactive ? askNewPassword(name) : Promise.resolve(readWordSync()));

const userAdd: CommandDef = {
  name: 'add',
  usage: 'add <user name or user:password> [options]',
  summary: 'Adds a new user',
  flags: [
    { name: 'interactive', kind: 'bool', def: 'true', help: 'Read password from stdin instead of interactive terminal' },
    { name: 'new-user-password', kind: 'string', def: '', help: 'Supply password from the command line flag' },
    { name: 'no-password', kind: 'bool', def: 'false', help: 'Create a user without password (CN based auth only)' },
  ],
  async run(ctx, args, f) {
    const arg = oneArg(args, 'user add command requires user name as its argument');
    let user = arg;
    let password = '';
    const noPassword = Boolean(f['no-password']);
    if (!noPassword) {
      const colon = arg.indexOf(':');
      if (f['new-user-password'] !== '') password = f['new-user-password'] as string;
      else if (colon < 0) password = await newPassword(arg, f);
      else {
        user = arg.slice(0, colon);
        password = arg.slice(colon + 1);
        if (user === '') throw bad('empty user name is not allowed');
      }
    }
    const client = await ctx.client();
    const r = await client.userAdd(user, password, noPassword, { deadline: ctx.commandDeadline() });
    printer(ctx).changed(r, `User ${user} created\n`);
  },
};

const userDelete: CommandDef = {
  name: 'delete',
  usage: 'delete <user name>',
  summary: 'Deletes a user',
  flags: [],
  async run(ctx, args) {
    const name = oneArg(args, 'user delete command requires user name as its argument');
    const client = await ctx.client();
    printer(ctx).changed(await client.userDelete(name, { deadline: ctx.commandDeadline() }), `User ${name} deleted\n`);
  },
};

const userGet: CommandDef = {
  name: 'get',
  usage: 'get <user name> [options]',
  summary: 'Gets detailed information of a user',
  flags: [{ name: 'detail', kind: 'bool', def: 'false', help: 'Show permissions of roles granted to the user' }],
  async run(ctx, args, f) {
    const name = oneArg(args, 'user get command requires user name as its argument');
    const client = await ctx.client();
    const deadline = ctx.commandDeadline();
    const r = await client.userGet(name, { deadline });
    if (!f.detail) return printer(ctx).userGet(name, r);
    // etcdctl prints this header line whatever the format, then each role.
    stdout.write(`User: ${name}\n`);
    for (const role of r.roles) {
      stdout.write('\n');
      printer(ctx).roleGet(role, await client.roleGet(role, { deadline }));
    }
  },
};

const userList: CommandDef = {
  name: 'list',
  usage: 'list',
  summary: 'Lists all users',
  flags: [],
  async run(ctx, args) {
    noArgs(args, 'user list command requires no arguments');
    const client = await ctx.client();
    printer(ctx).userList(await client.userList({ deadline: ctx.commandDeadline() }));
  },
};

const userPasswd: CommandDef = {
  name: 'passwd',
  usage: 'passwd <user name> [options]',
  summary: 'Changes password of user',
  flags: [{ name: 'interactive', kind: 'bool', def: 'true', help: 'If true, read password from stdin instead of interactive terminal' }],
  async run(ctx, args, f) {
    const name = oneArg(args, 'user passwd command requires user name as its argument');
    const password = await newPassword(name, f);
    const client = await ctx.client();
    printer(ctx).changed(await client.userChangePassword(name, password, { deadline: ctx.commandDeadline() }), 'Password updated\n');
  },
};

const userGrantRole: CommandDef = {
  name: 'grant-role',
  usage: 'grant-role <user name> <role name>',
  summary: 'Grants a role to a user',
  flags: [],
  async run(ctx, args) {
    if (args.length !== 2) throw bad('user grant command requires user name and role name as its argument');
    const [user, role] = args as [string, string];
    const client = await ctx.client();
    printer(ctx).changed(await client.userGrantRole(user, role, { deadline: ctx.commandDeadline() }), `Role ${role} is granted to user ${user}\n`);
  },
};

const userRevokeRole: CommandDef = {
  name: 'revoke-role',
  usage: 'revoke-role <user name> <role name>',
  summary: 'Revokes a role from a user',
  flags: [],
  async run(ctx, args) {
    if (args.length !== 2) throw bad('user revoke-role requires user name and role name as its argument');
    const [user, role] = args as [string, string];
    const client = await ctx.client();
    printer(ctx).changed(await client.userRevokeRole(user, role, { deadline: ctx.commandDeadline() }), `Role ${role} is revoked from user ${user}\n`);
  },
};

export const userCommand: CommandDef = {
  name: 'user',
  usage: 'user <subcommand>',
  summary: 'User related commands',
  flags: [],
  subcommands: [userAdd, userDelete, userGet, userList, userPasswd, userGrantRole, userRevokeRole],
};

// --- role ---

const PERM_TYPES: Record<string, PermType> = { READ: PermType.Read, WRITE: PermType.Write, READWRITE: PermType.ReadWrite };
const NUL = Buffer.from([0]);

// The key and range end a permission covers. An empty key stands for the
// whole keyspace from \x00; --prefix and --from-key both open its end.
function permRange(args: string[], f: Flags): { key: Buffer; rangeEnd: Buffer } {
  const prefix = Boolean(f.prefix);
  const fromKey = Boolean(f['from-key']);
  if (args[0] === '') {
    if (prefix && fromKey) throw bad('--from-key and --prefix flags are mutually exclusive');
    return { key: NUL, rangeEnd: prefix || fromKey ? NUL : Buffer.alloc(0) };
  }
  const key = bytes(args[0]!);
  if (args.length === 1) {
    if (prefix && fromKey) throw bad('--from-key and --prefix flags are mutually exclusive');
    if (prefix) return { key, rangeEnd: prefixEnd(key) };
    return { key, rangeEnd: fromKey ? NUL : Buffer.alloc(0) };
  }
  if (prefix) throw bad('unexpected endkey argument with --prefix flag');
  if (fromKey) throw bad('unexpected endkey argument with --from-key flag');
  return { key, rangeEnd: bytes(args[1]!) };
}

const permFlags = (verb: string): CommandDef['flags'] => [
  { name: 'from-key', kind: 'bool', def: 'false', help: `${verb} a permission of keys that are greater than or equal to the given key using byte compare` },
  { name: 'prefix', kind: 'bool', def: 'false', help: `${verb} a prefix permission` },
];

const roleAdd: CommandDef = {
  name: 'add',
  usage: 'add <role name>',
  summary: 'Adds a new role',
  flags: [],
  async run(ctx, args) {
    const name = oneArg(args, 'role add command requires role name as its argument');
    const client = await ctx.client();
    printer(ctx).changed(await client.roleAdd(name, { deadline: ctx.commandDeadline() }), `Role ${name} created\n`);
  },
};

const roleDelete: CommandDef = {
  name: 'delete',
  usage: 'delete <role name>',
  summary: 'Deletes a role',
  flags: [],
  async run(ctx, args) {
    const name = oneArg(args, 'role delete command requires role name as its argument');
    const client = await ctx.client();
    printer(ctx).changed(await client.roleDelete(name, { deadline: ctx.commandDeadline() }), `Role ${name} deleted\n`);
  },
};

const roleGet: CommandDef = {
  name: 'get',
  usage: 'get <role name>',
  summary: 'Gets detailed information of a role',
  flags: [],
  async run(ctx, args) {
    const name = oneArg(args, 'role get command requires role name as its argument');
    const client = await ctx.client();
    printer(ctx).roleGet(name, await client.roleGet(name, { deadline: ctx.commandDeadline() }));
  },
};

const roleList: CommandDef = {
  name: 'list',
  usage: 'list',
  summary: 'Lists all roles',
  flags: [],
  async run(ctx, args) {
    noArgs(args, 'role list command requires no arguments');
    const client = await ctx.client();
    printer(ctx).roleList(await client.roleList({ deadline: ctx.commandDeadline() }));
  },
};

const roleGrant: CommandDef = {
  name: 'grant-permission',
  usage: 'grant-permission [options] <role name> <permission type> <key> [endkey]',
  summary: 'Grants a key to a role',
  flags: permFlags('grant'),
  async run(ctx, args, f) {
    if (args.length < 3) throw bad('role grant command requires role name, permission type, and key [endkey] as its argument');
    const permType = PERM_TYPES[args[1]!.toUpperCase()];
    if (permType === undefined) throw bad(`invalid permission type: ${args[1]}`);
    const { key, rangeEnd } = permRange(args.slice(2), f);
    const client = await ctx.client();
    const r = await client.roleGrantPermission(args[0]!, { permType, key, range_end: rangeEnd }, { deadline: ctx.commandDeadline() });
    printer(ctx).changed(r, `Role ${args[0]} updated\n`);
  },
};

const roleRevoke: CommandDef = {
  name: 'revoke-permission',
  usage: 'revoke-permission <role name> <key> [endkey]',
  summary: 'Revokes a key from a role',
  flags: permFlags('revoke'),
  async run(ctx, args, f) {
    if (args.length < 2) throw bad('role revoke-permission command requires role name and key [endkey] as its argument');
    const role = args[0]!;
    const { key, rangeEnd } = permRange(args.slice(1), f);
    const client = await ctx.client();
    const r = await client.roleRevokePermission(role, key, rangeEnd, { deadline: ctx.commandDeadline() });
    // The sentence names the key as typed (empty for the whole keyspace).
    const typed = bytes(args[1]!);
    let what: Buffer;
    if (rangeEnd.length === 0) what = Buffer.concat([Buffer.from('key '), typed]);
    else if (rangeEnd.equals(NUL)) what = Buffer.concat([Buffer.from('range ['), typed, Buffer.from(', <open ended>')]);
    else what = Buffer.concat([Buffer.from('range ['), typed, Buffer.from(', '), rangeEnd, Buffer.from(')')]);
    printer(ctx).changed(r, Buffer.concat([Buffer.from('Permission of '), what, Buffer.from(` is revoked from role ${role}\n`)]));
  },
};

export const roleCommand: CommandDef = {
  name: 'role',
  usage: 'role <subcommand>',
  summary: 'Role related commands',
  flags: [],
  subcommands: [roleAdd, roleDelete, roleGet, roleList, roleGrant, roleRevoke],
};
