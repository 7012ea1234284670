// Peer URLs checked as etcd's types.NewURLs does: clientv3 refuses bad ones
// before asking the server, and snapshot restore refuses bad flags, with
// these messages. Returns them trimmed and sorted.
export class URLError extends Error {}

export function parseURLs(list: string[]): string[] {
  const out = list.map((raw) => {
    const s = raw.trim();
    const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(.*)$/i.exec(s);
    if (!m) {
      // Go's url.Parse reads "host:port" as a path whose first segment has a colon.
      if (/^[^/]*:/.test(s)) throw new URLError(`parse ${JSON.stringify(s)}: first path segment in URL cannot contain colon`);
      throw new URLError(`URL scheme must be http, https, unix, or unixs: ${s}`);
    }
    const [, scheme, host, rest] = m as unknown as [string, string, string, string];
    if (!['http', 'https', 'unix', 'unixs'].includes(scheme)) throw new URLError(`URL scheme must be http, https, unix, or unixs: ${s}`);
    // As Go's net.SplitHostPort: one colon, or a bracketed IPv6 address and a colon.
    if (!/^(\[[^\]]*\]|[^:[\]]*):[^:]*$/.test(host)) throw new URLError(`URL address does not have the form "host:port": ${s}`);
    if (rest !== '') throw new URLError(`URL must not contain a path: ${s}`);
    return s;
  });
  return out.sort();
}
