// DNS SRV discovery of client endpoints (etcd's _etcd-client[-ssl]._tcp records).
import { promises as dns } from 'node:dns';
import { CliError } from '../base/errors.js';

// ETCDCTL_TS_DNS_SERVER (ip:port) sends the SRV queries to one server
// instead of the system's, e.g. a test's or a split-horizon resolver.
function resolver(): dns.Resolver {
  const r = new dns.Resolver();
  const server = process.env.ETCDCTL_TS_DNS_SERVER;
  if (server) r.setServers([server]);
  return r;
}

export async function discoverEndpoints(domain: string, serviceName: string, allowInsecure: boolean): Promise<string[]> {
  const suffix = serviceName ? `-${serviceName}` : '';
  const dnsr = resolver();
  const lookup = async (service: string, scheme: string) => {
    try {
      const records = await dnsr.resolveSrv(`_${service}${suffix}._tcp.${domain}`);
      return records.map((r) => `${scheme}://${r.name.replace(/\.$/, '')}:${r.port}`);
    } catch {
      return [];
    }
  };
  const secure = await lookup('etcd-client-ssl', 'https');
  const plain = allowInsecure ? await lookup('etcd-client', 'http') : [];
  const all = [...secure, ...plain];
  if (all.length === 0) throw new CliError(`lookup _etcd-client${suffix}._tcp.${domain}: no SRV records found`);
  return all;
}
