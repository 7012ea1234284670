// Output of the lease commands. clientv3 wraps these responses in structs
// that embed the header, so json flattens the header fields into the
// object and protobuf marshals the header alone.
import * as pb from '../client/messages.js';
import { encode, type Msg } from '../client/proto.js';
import type * as T from '../client/types.js';
import { CliError, ExitCode } from '../base/errors.js';
import { fieldsHeader } from './fields.js';
import { goJsonString, goQuote, hexId16 } from '../base/gofmt.js';
import { pbJson } from './json.js';
import { stdout, type Out } from './out.js';
import { notSupported, type Format } from './printer.js';

// The header's json fields without braces, ready to lead an object.
function flatHeader(h: T.ResponseHeader | undefined): string[] {
  if (!h) return [];
  const s = pbJson(pb.ResponseHeader, h as unknown as Msg);
  return s === '{}' ? [] : [s.slice(1, -1)];
}

// Go's %v of a gogo-protobuf header: its compact text form.
function headerText(h: T.ResponseHeader | undefined): string {
  if (!h) return '<nil>';
  const parts: string[] = [];
  if (h.cluster_id) parts.push(`cluster_id:${h.cluster_id} `);
  if (h.member_id) parts.push(`member_id:${h.member_id} `);
  if (h.revision) parts.push(`revision:${h.revision} `);
  if (h.raft_term) parts.push(`raft_term:${h.raft_term} `);
  return parts.join('');
}

export class LeasePrinter {
  constructor(
    private readonly format: Format,
    private readonly out: Out = stdout,
  ) {}

  // Shared by grant, keep-alive, timetolive and list: json object with the
  // header flattened, protobuf of the header, refusal of table.
  private wrapper(h: T.ResponseHeader | undefined, json: string[], simple: () => string, fields: () => string): void {
    switch (this.format) {
      case 'simple':
        return this.out.write(simple());
      case 'json':
        return this.out.write(`{${[...flatHeader(h), ...json].join(',')}}\n`);
      case 'fields':
        return this.out.write(fieldsHeader(h) + fields());
      case 'protobuf':
        return this.out.write(encode(pb.ResponseHeader, (h ?? {}) as Msg));
      default:
        notSupported(this.format);
    }
  }

  grant(r: T.LeaseGrantResponse): void {
    this.wrapper(
      r.header,
      [`"ID":${r.ID}`, `"TTL":${r.TTL}`, `"Error":${goJsonString(r.error)}`],
      () => `lease ${hexId16(r.ID)} granted with TTL(${r.TTL}s)\n`,
      () => `"ID" : ${r.ID}\n"TTL" : ${r.TTL}\n`,
    );
  }

  keepAlive(r: T.LeaseKeepAliveResponse): void {
    this.wrapper(
      r.header,
      [`"ID":${r.ID}`, `"TTL":${r.TTL}`],
      () => `lease ${hexId16(r.ID)} keepalived with TTL(${r.TTL})\n`,
      () => `"ID" : ${r.ID}\n"TTL" : ${r.TTL}\n`,
    );
  }

  timeToLive(r: T.LeaseTimeToLiveResponse, withKeys: boolean): void {
    const keys = r.keys.length ? `[${r.keys.map((k) => `"${k.toString('base64')}"`).join(',')}]` : 'null';
    this.wrapper(
      r.header,
      [`"id":${r.ID}`, `"ttl":${r.TTL}`, `"granted-ttl":${r.grantedTTL}`, `"keys":${keys}`],
      () => {
        if (r.grantedTTL === 0n && r.TTL === -1n) return `lease ${hexId16(r.ID)} already expired\n`;
        let s = `lease ${hexId16(r.ID)} granted with TTL(${r.grantedTTL}s), remaining(${r.TTL}s)`;
        if (withKeys) s += `, attached keys([${r.keys.map((k) => k.toString('utf8')).join(' ')}])`;
        return `${s}\n`;
      },
      () => `"ID" : ${r.ID}\n"TTL" : ${r.TTL}\n"GrantedTTL" : ${r.grantedTTL}\n${r.keys.map((k) => `"Key" : ${goQuote(k)}\n`).join('')}`,
    );
  }

  leases(r: T.LeaseLeasesResponse): void {
    this.wrapper(
      r.header,
      [`"leases":[${r.leases.map((l) => `{"id":${l.ID}}`).join(',')}]`],
      () => `found ${r.leases.length} leases\n${r.leases.map((l) => `${hexId16(l.ID)}\n`).join('')}`,
      () => r.leases.map((l) => `"ID" : ${l.ID}\n`).join(''),
    );
  }

  revoke(id: bigint, r: T.HeaderResponse): void {
    switch (this.format) {
      case 'simple':
        return this.out.write(`lease ${hexId16(id)} revoked\n`);
      case 'json':
        return this.out.write(`${pbJson(pb.HeaderOnly, r as Msg)}\n`);
      case 'fields':
        return this.out.write(fieldsHeader(r.header));
      case 'protobuf':
        throw new CliError(`marshal unsupported for type clientv3.LeaseRevokeResponse ({${headerText(r.header)}})`, ExitCode.BadFeature);
      default:
        notSupported(this.format);
    }
  }
}
