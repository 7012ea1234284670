// A response as etcdctl's printerRPC writes it: json is its protobuf JSON on
// a line, protobuf its marshalled bytes. The json and protobuf printers and
// the command groups' own printers all write responses through this.
import { encode, type Msg, type Schema } from '../client/proto.js';
import { pbJson } from './json.js';
import type { Out } from './out.js';

// False for the other formats, which the caller then prints itself.
export function printRpc(out: Out, format: string, s: Schema, m: object): boolean {
  if (format === 'json') out.write(`${pbJson(s, m as Msg)}\n`);
  else if (format === 'protobuf') out.write(encode(s, m as Msg));
  else return false;
  return true;
}
