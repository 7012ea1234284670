// Output of the auth, user and role commands in every --write-out format
// (etcdctl's printer methods RoleAdd…UserList, AuthStatus).
import * as pb from '../client/messages.js';
import { prefixEnd } from '../client/prefix.js';
import * as T from '../client/types.js';
import { fieldsHeader } from './fields.js';
import { goQuote } from '../base/gofmt.js';
import { printRpc } from './rpc.js';
import { stdout, type Out } from './out.js';
import { notSupported, type Format } from './printer.js';

const PERM_NAMES = ['READ', 'WRITE', 'READWRITE'];
const NUL = Buffer.from([0]);

// One line of `role get`: a key, or a range with "<open ended>" for a
// range end of \x00 and the prefix it covers when it is a prefix range.
// Keys are raw bytes, as etcdctl prints them.
function permLine(p: T.Permission): Buffer {
  if (p.range_end.length === 0) return Buffer.concat([Buffer.from('\t'), p.key, Buffer.from('\n')]);
  const parts = [Buffer.from('\t['), p.key, Buffer.from(', ')];
  parts.push(p.range_end.equals(NUL) ? Buffer.from('<open ended>') : Buffer.concat([p.range_end, Buffer.from(')')]));
  if (prefixEnd(p.key).equals(p.range_end)) parts.push(Buffer.from(' (prefix '), p.key, Buffer.from(')'));
  parts.push(Buffer.from('\n'));
  return Buffer.concat(parts);
}

export class AuthPrinter {
  constructor(
    private readonly format: Format,
    private readonly out: Out = stdout,
  ) {}

  // Commands answered by a bare header: a sentence in simple, the header in
  // fields, json and protobuf.
  changed(r: T.HeaderResponse, sentence: Buffer | string): void {
    if (this.format === 'table') notSupported('table');
    if (printRpc(this.out, this.format, pb.HeaderOnly, r)) return;
    if (this.format === 'fields') return this.out.write(fieldsHeader(r.header));
    this.out.write(sentence);
  }

  userGet(name: string, r: T.AuthUserGetResponse): void {
    if (this.format === 'fields' || this.format === 'table') notSupported(this.format);
    if (printRpc(this.out, this.format, pb.AuthUserGetResponse, r)) return;
    this.out.write(`User: ${name}\nRoles:${r.roles.map((x) => ` ${x}`).join('')}\n`);
  }

  userList(r: T.AuthUserListResponse): void {
    if (this.format === 'fields' || this.format === 'table') notSupported(this.format);
    if (printRpc(this.out, this.format, pb.AuthUserListResponse, r)) return;
    this.out.write(r.users.map((u) => `${u}\n`).join(''));
  }

  roleGet(name: string, r: T.AuthRoleGetResponse): void {
    if (this.format === 'table') notSupported('table');
    if (printRpc(this.out, this.format, pb.AuthRoleGetResponse, r)) return;
    if (this.format === 'fields') {
      let s = fieldsHeader(r.header);
      for (const p of r.perm) s += `"PermType" :  ${PERM_NAMES[p.permType] ?? p.permType}\n"Key" : ${goQuote(p.key)}\n"RangeEnd" : ${goQuote(p.range_end)}\n`;
      return this.out.write(s);
    }
    const reads = r.perm.filter((p) => p.permType === T.PermType.Read || p.permType === T.PermType.ReadWrite);
    const writes = r.perm.filter((p) => p.permType === T.PermType.Write || p.permType === T.PermType.ReadWrite);
    this.out.write(Buffer.concat([Buffer.from(`Role ${name}\nKV Read:\n`), ...reads.map(permLine), Buffer.from('KV Write:\n'), ...writes.map(permLine)]));
  }

  roleList(r: T.AuthRoleListResponse): void {
    if (this.format === 'table') notSupported('table');
    if (printRpc(this.out, this.format, pb.AuthRoleListResponse, r)) return;
    if (this.format === 'fields') return this.out.write(`${fieldsHeader(r.header)}"Roles" :${r.roles.map((x) => ` ${goQuote(x)}`).join('')}\n`);
    this.out.write(r.roles.map((x) => `${x}\n`).join(''));
  }

  authStatus(r: T.AuthStatusResponse): void {
    if (this.format === 'fields' || this.format === 'table') notSupported(this.format);
    if (printRpc(this.out, this.format, pb.AuthStatusResponse, r)) return;
    this.out.write(`Authentication Status: ${r.enabled}\nAuthRevision: ${r.authRevision}\n`);
  }
}
