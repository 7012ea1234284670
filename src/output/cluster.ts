// Output of the member, endpoint, alarm, downgrade and move-leader commands in every
// --write-out format (etcdctl's printer*.go methods for them).
import * as pb from '../client/messages.js';
import type { Msg } from '../client/proto.js';
import type * as T from '../client/types.js';
import { fieldsHeader } from './fields.js';
import { goDuration, goJsonString, goQuote, hexId, humanizeBytes } from '../base/gofmt.js';
import { pbJson } from './json.js';
import { printRpc } from './rpc.js';
import { stdout, type Out } from './out.js';
import { notSupported, type Format } from './printer.js';
import { renderTable } from './go-table.js';

export interface EndpointHealth {
  ep: string;
  health: boolean;
  tookNs: bigint;
  error: string;
}

export interface EndpointStatus {
  ep: string;
  resp: T.StatusResponse;
}

export interface EndpointHash {
  ep: string;
  resp: T.HashKVResponse;
}

const ALARM_NAMES = ['NONE', 'NOSPACE', 'CORRUPT'];

// Go's %+v of a gogo-protobuf AlarmMember: its compact text form.
export function alarmText(a: T.AlarmMember): string {
  let s = '';
  if (a.memberID !== 0n) s += `memberID:${a.memberID} `;
  if (a.alarm !== 0) s += `alarm:${ALARM_NAMES[a.alarm] ?? a.alarm} `;
  return s;
}

const goStrings = (xs: string[]) => `[${xs.join(' ')}]`;

export class ClusterPrinter {
  constructor(
    private readonly format: Format,
    private readonly out: Out = stdout,
  ) {}

  private refuse(...formats: Format[]): void {
    if (formats.includes(this.format)) notSupported(this.format);
  }

  private table(header: string[], rows: string[][]): void {
    this.out.write(renderTable(header, rows));
  }

  memberList(r: T.MembersResponse): void {
    if (printRpc(this.out, this.format, pb.MembersResponse, r)) return;
    const rows = r.members.map((m) => [
      hexId(m.ID),
      m.name ? 'started' : 'unstarted',
      m.name,
      m.peerURLs.join(','),
      m.clientURLs.join(','),
      String(m.isLearner),
    ]);
    if (this.format === 'table') return this.table(['ID', 'Status', 'Name', 'Peer Addrs', 'Client Addrs', 'Is Learner'], rows);
    if (this.format === 'simple') {
      for (const row of rows) this.out.write(`${row.join(', ')}\n`);
      return;
    }
    let s = fieldsHeader(r.header);
    for (const m of r.members) {
      s += `"ID" : ${m.ID}\n"Name" : ${goQuote(m.name)}\n`;
      for (const u of m.peerURLs) s += `"PeerURL" : ${goQuote(u)}\n`;
      for (const u of m.clientURLs) s += `"ClientURL" : ${goQuote(u)}\n`;
      s += `"IsLearner" : ${m.isLearner}\n\n`;
    }
    this.out.write(s);
  }

  // add, remove, update and promote: `verb` completes "Member <id> <verb> cluster <id>".
  memberChange(id: bigint, verb: string, r: T.MembersResponse | T.MemberAddResponse): void {
    this.refuse('fields', 'table');
    if (printRpc(this.out, this.format, 'member' in r ? pb.MemberAddResponse : pb.MembersResponse, r)) return;
    const pad = (x: bigint) => hexId(x).padStart(16, ' ');
    this.out.write(`Member ${pad(id)} ${verb} cluster ${pad(r.header?.cluster_id ?? 0n)}\n`);
  }

  endpointHealth(list: EndpointHealth[]): void {
    this.refuse('protobuf');
    const took = (h: EndpointHealth) => goDuration(h.tookNs);
    switch (this.format) {
      case 'simple':
        for (const h of list) {
          this.out.write(
            h.error === ''
              ? `${h.ep} is healthy: successfully committed proposal: took = ${took(h)}\n`
              : `${h.ep} is unhealthy: failed to commit proposal: ${h.error}\n`,
          );
        }
        return;
      case 'json': {
        const items = list.map(
          (h) => `{"endpoint":${goJsonString(h.ep)},"health":${h.health},"took":${goJsonString(took(h))}${h.error ? `,"error":${goJsonString(h.error)}` : ''}}`,
        );
        this.out.write(`[${items.join(',')}]\n`);
        return;
      }
      case 'fields':
        for (const h of list) this.out.write(`"Endpoint" : ${goQuote(h.ep)}\n"Health" : ${h.health}\n"Took" : ${took(h)}\n"Error" : ${h.error}\n\n`);
        return;
      default:
        this.table(
          ['endpoint', 'health', 'took', 'error'],
          list.map((h) => [h.ep, String(h.health), took(h), h.error]),
        );
    }
  }

  endpointStatus(list: EndpointStatus[]): void {
    this.refuse('protobuf');
    const rows = list.map(({ ep, resp: r }) => [
      ep,
      hexId(r.header?.member_id ?? 0n),
      r.version,
      humanizeBytes(r.dbSize),
      String(r.leader === (r.header?.member_id ?? 0n)),
      String(r.isLearner),
      String(r.raftTerm),
      String(r.raftIndex),
      String(r.raftAppliedIndex),
      r.errors.join(', '),
    ]);
    switch (this.format) {
      case 'simple':
        for (const row of rows) this.out.write(`${row.join(', ')}\n`);
        return;
      case 'json':
        this.out.write(
          `[${list.map((s) => `{"Endpoint":${goJsonString(s.ep)},"Status":${pbJson(pb.StatusResponse, s.resp as unknown as Msg)}}`).join(',')}]\n`,
        );
        return;
      case 'fields':
        for (const { ep, resp: r } of list) {
          this.out.write(
            fieldsHeader(r.header) +
              `"Version" : ${goQuote(r.version)}\n"DBSize" : ${r.dbSize}\n"Leader" : ${r.leader}\n"IsLearner" : ${r.isLearner}\n` +
              `"RaftIndex" : ${r.raftIndex}\n"RaftTerm" : ${r.raftTerm}\n"RaftAppliedIndex" : ${r.raftAppliedIndex}\n` +
              `"Errors" : ${goStrings(r.errors)}\n"Endpoint" : ${goQuote(ep)}\n\n`,
          );
        }
        return;
      default:
        this.table(['endpoint', 'ID', 'version', 'db size', 'is leader', 'is learner', 'raft term', 'raft index', 'raft applied index', 'errors'], rows);
    }
  }

  endpointHashKV(list: EndpointHash[]): void {
    this.refuse('protobuf');
    switch (this.format) {
      case 'simple':
        for (const h of list) this.out.write(`${h.ep}, ${h.resp.hash}\n`);
        return;
      case 'json':
        this.out.write(
          `[${list.map((h) => `{"Endpoint":${goJsonString(h.ep)},"HashKV":${pbJson(pb.HashKVResponse, h.resp as unknown as Msg)}}`).join(',')}]\n`,
        );
        return;
      case 'fields':
        for (const h of list) this.out.write(`${fieldsHeader(h.resp.header)}"Endpoint" : ${goQuote(h.ep)}\n"Hash" : ${h.resp.hash}\n\n`);
        return;
      default:
        this.table(
          ['endpoint', 'hash'],
          list.map((h) => [h.ep, String(h.resp.hash)]),
        );
    }
  }

  alarm(r: T.AlarmResponse): void {
    this.refuse('table');
    if (printRpc(this.out, this.format, pb.AlarmResponse, r)) return;
    if (this.format === 'simple') {
      for (const a of r.alarms) this.out.write(`${alarmText(a)}\n`);
      return;
    }
    let s = fieldsHeader(r.header);
    for (const a of r.alarms) s += `"MemberID" : ${a.memberID}\n"AlarmType" : ${ALARM_NAMES[a.alarm] ?? a.alarm}\n\n`;
    this.out.write(s);
  }

  downgrade(verb: string, r: T.DowngradeResponse): void {
    this.refuse('fields', 'table');
    if (printRpc(this.out, this.format, pb.DowngradeResponse, r)) return;
    this.out.write(`Downgrade ${verb} success, cluster version ${r.version}\n`);
  }

  moveLeader(from: bigint, to: bigint, r: T.HeaderResponse): void {
    this.refuse('fields', 'table');
    if (printRpc(this.out, this.format, pb.HeaderOnly, r)) return;
    this.out.write(`Leadership transferred from ${hexId(from)} to ${hexId(to)}\n`);
  }
}
