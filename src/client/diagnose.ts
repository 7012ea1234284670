// Turns a failed connection into a sentence naming the cause and the fix.
// etcdctl reports all of these as "context deadline exceeded"; the Error
// line stays that for scripts, and this line goes before it.
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import * as z from 'zod/mini';
import { CLIENT_CERT_REFUSED, UNKNOWN_CA } from './endpoint-errors.js';
import { address, hostPort, type Endpoint } from './transport.js';

type NodeError = Error & { code?: string; reason?: string; cert?: { subjectaltname?: string } };

export interface DiagnoseContext {
  tls: tls.ConnectionOptions;
  // Whether --cert and --key were given, for the client-certificate advice;
  // halfPair: the one of them given alone.
  clientCert: boolean;
  halfPair?: 'cert' | 'key';
  probeTimeoutMs: number;
}

// Resolves with whether a TLS handshake gets as far as the server's certificate.
function speaksTls(ep: Endpoint, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = tls.connect({ host: ep.host, port: ep.port, path: ep.socketPath, rejectUnauthorized: false, ALPNProtocols: ['h2'] });
    const done = (v: boolean) => {
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(ms, () => done(false));
    sock.once('secureConnect', () => done(true));
    // A server wanting a client certificate still completed its part.
    sock.once('error', (e: NodeError) => done(CLIENT_CERT_REFUSED.has(e.code ?? '')));
  });
}

// Resolves with whether plaintext HTTP/2 gets the server's SETTINGS.
function speaksPlainH2(ep: Endpoint, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = http2.connect(`http://${hostPort(ep)}`, ep.socketPath ? { createConnection: () => net.connect(ep.socketPath!) } : {});
    const timer = setTimeout(() => done(false), ms);
    const done = (v: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(v);
    };
    s.once('remoteSettings', () => done(true));
    s.once('error', () => done(false));
    s.once('close', () => done(false));
  });
}

// What etcd's peer port says at GET /members (etcdhttp's member list).
const PeerMembers = z.array(z.object({ name: z.optional(z.string()), peerURLs: z.optional(z.array(z.string())), clientURLs: z.optional(z.array(z.string())) }));

interface PeerInfo {
  name: string;
  clientURLs: string[];
}

// etcd's peer port answers GET /members with the member list; the client
// port does not. Tries the endpoint's scheme first, then the other.
async function peerMember(ep: Endpoint, ctx: DiagnoseContext): Promise<PeerInfo | undefined> {
  if (ep.socketPath) return undefined;
  for (const secure of [ep.secure, !ep.secure]) {
    // Whatever answers there is checked before it is believed.
    const members = PeerMembers.safeParse(await getJson(ep, secure, '/members', ctx));
    if (!members.success) continue;
    const self = hostPort(ep);
    const m = members.data.find((x) => x.peerURLs?.some((u) => u.endsWith(`//${self}`)));
    if (m) return { name: m.name ?? '', clientURLs: m.clientURLs ?? [] };
  }
  return undefined;
}

function getJson(ep: Endpoint, secure: boolean, path: string, ctx: DiagnoseContext): Promise<unknown> {
  return new Promise((resolve) => {
    const opts: https.RequestOptions = {
      host: ep.host,
      port: ep.port,
      path,
      timeout: ctx.probeTimeoutMs,
      ...(secure ? { ...ctx.tls, rejectUnauthorized: false } : {}),
    };
    const req = (secure ? https : http).get(opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString()));
        } catch {
          resolve(undefined);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

function peerHint(addr: string, p: PeerInfo): string {
  const urls = p.clientURLs.join(',') || 'the member’s --advertise-client-urls';
  return `${addr} is the peer port of member ${JSON.stringify(p.name)}, used between members; clients connect to its client URL: --endpoints=${urls}`;
}

export async function diagnose(ep: Endpoint, err: Error, ctx: DiagnoseContext): Promise<string> {
  const e = err as NodeError;
  const code = e.code ?? '';
  const addr = address(ep);
  // ftp://host:port reads as the host "ftp": say what is wrong with it.
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(ep.raw)?.[1];
  if (scheme && !/^(https?|unixs?)$/.test(scheme)) {
    return `${JSON.stringify(ep.raw)} has the scheme ${JSON.stringify(scheme)}, which etcd does not speak: write host:port, http://host:port, https://host:port or unix://path`;
  }
  if (code === 'ECONNREFUSED' || code === 'ENOENT') {
    const why = code === 'ENOENT' ? 'no such socket file' : 'connection refused';
    return `nothing is listening at ${addr} (${why}): check that etcd is running there and that this is its client URL (--advertise-client-urls)`;
  }
  if (code === 'ERR_INVALID_URL') {
    return `${JSON.stringify(ep.raw)} is not an endpoint address: write host:port, http://host:port, https://host:port or unix://path`;
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return `the host name ${JSON.stringify(ep.host)} does not resolve (${code}): check the spelling of --endpoints, or use an IP address`;
  }
  if (UNKNOWN_CA.has(code)) {
    return `the server certificate of ${addr} is signed by an authority etcdctl-ts does not trust (${e.message}): pass the CA that signed it with --cacert (on kubeadm nodes: /etc/kubernetes/pki/etcd/ca.crt)`;
  }
  if (code === 'CERT_HAS_EXPIRED') return `the server certificate of ${addr} has expired: renew it on the server`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const names = e.cert?.subjectaltname ?? 'none';
    // With --discovery-srv the name checked is the domain, not the host.
    const checked = typeof ctx.tls.servername === 'string' ? ctx.tls.servername : ep.host;
    return `the server certificate of ${addr} is not valid for ${JSON.stringify(checked)}; it names ${names}: connect using one of those names, or reissue the certificate with this name`;
  }
  if (CLIENT_CERT_REFUSED.has(code)) {
    if (ctx.halfPair)
      return `${addr} requires a client certificate, and none was sent: --${ctx.halfPair} was given without --${ctx.halfPair === 'cert' ? 'key' : 'cert'}, and a certificate needs both`;
    if (!ctx.clientCert)
      return `${addr} requires a client certificate: pass --cert and --key (on kubeadm nodes: /etc/kubernetes/pki/etcd/healthcheck-client.crt and .key)`;
    return `${addr} rejected the client certificate (${e.reason ?? code}): --cert must be signed by a CA in the server's --trusted-ca-file and allow client authentication`;
  }
  if (code === 'ESILENT') {
    return `${addr} accepted the connection but sent nothing back (${e.message}): it does not look like an etcd client port, or the server is hung`;
  }
  if (code === 'ETIMEDOUT') {
    return `no answer from ${addr} (${e.message}): the address may be wrong or a firewall may drop the packets; try a longer --dial-timeout if the network is slow`;
  }
  const peer = await peerMember(ep, ctx);
  if (peer) return peerHint(addr, peer);
  if (!ep.secure && (code === 'ECLOSEDEARLY' || code === 'ECONNRESET') && (await speaksTls(ep, ctx.probeTimeoutMs))) {
    return `${addr} expects TLS, but etcdctl-ts connected in plain text: use https://${addr} and pass --cacert (and --cert/--key if it requires client certificates)`;
  }
  if (
    ep.secure &&
    (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ECONNRESET' || code === 'ECLOSEDEARLY') &&
    (await speaksPlainH2(ep, ctx.probeTimeoutMs))
  ) {
    return `${addr} does not speak TLS, but etcdctl-ts used TLS: use http://${addr}, or enable TLS on the server (--cert-file/--key-file)`;
  }
  return `connecting to ${addr} failed: ${e.message}`;
}
