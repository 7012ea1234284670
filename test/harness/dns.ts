// A one-zone DNS server on a loopback UDP port answering SRV queries, for
// --discovery-srv tests (the CLI is pointed at it with ETCDCTL_TS_DNS_SERVER).
import * as dgram from 'node:dgram';

export interface SrvRecord {
  name: string; // e.g. _etcd-client-ssl._tcp.etcd.test
  target: string;
  port: number;
}

export interface DnsServer {
  address: string; // ip:port
  close(): void;
}

function readName(msg: Buffer, off: number): { name: string; end: number } {
  const labels: string[] = [];
  while (msg[off]! !== 0) {
    const len = msg[off]!;
    labels.push(msg.subarray(off + 1, off + 1 + len).toString('latin1'));
    off += 1 + len;
  }
  return { name: labels.join('.').toLowerCase(), end: off + 1 };
}

function encodeName(name: string): Buffer {
  const parts = name
    .replace(/\.$/, '')
    .split('.')
    .map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')]));
  return Buffer.concat([...parts, Buffer.from([0])]);
}

export function startDns(records: SrvRecord[]): Promise<DnsServer> {
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    const { name, end } = readName(msg, 12);
    const qtype = msg.readUInt16BE(end);
    const question = msg.subarray(12, end + 4);
    const answers = qtype === 33 ? records.filter((r) => r.name.toLowerCase() === name) : [];
    const header = Buffer.alloc(12);
    header.writeUInt16BE(msg.readUInt16BE(0), 0);
    // Response, recursion available; NXDOMAIN when nothing matches.
    header.writeUInt16BE(0x8180 | (answers.length ? 0 : 3), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    const rrs = answers.map((r) => {
      const target = encodeName(r.target);
      const rdata = Buffer.alloc(6 + target.length);
      rdata.writeUInt16BE(0, 0); // priority
      rdata.writeUInt16BE(0, 2); // weight
      rdata.writeUInt16BE(r.port, 4);
      target.copy(rdata, 6);
      const fixed = Buffer.alloc(10);
      fixed.writeUInt16BE(33, 0);
      fixed.writeUInt16BE(1, 2);
      fixed.writeUInt32BE(60, 4);
      fixed.writeUInt16BE(rdata.length, 8);
      return Buffer.concat([Buffer.from([0xc0, 12]), fixed, rdata]);
    });
    sock.send(Buffer.concat([header, question, ...rrs]), rinfo.port, rinfo.address);
  });
  return new Promise((resolve) => {
    sock.bind(0, '127.0.0.1', () => {
      const { port } = sock.address();
      resolve({ address: `127.0.0.1:${port}`, close: () => sock.close() });
    });
  });
}
