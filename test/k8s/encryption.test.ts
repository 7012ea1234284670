// Secrets encrypted at rest, as kube-apiserver writes them: this file's own
// encryptors follow the storage format (k8s:enc:<provider>:v1:<key>:, then
// IV or nonce and ciphertext), the values go under real keys, and
// --encryption-provider-config reads them back live and from a snapshot.
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { secretbox } from '@noble/ciphers/salsa.js';
import { errorLines, OURS, ours } from '../harness/cli.js';
import { startEtcd, tempDir, type EtcdServer } from '../harness/etcd.js';
import { storageValue } from '../harness/k8s-encode.js';
import { start } from '../harness/proc.js';
import { EDGES_ONLY, onEdge } from '../harness/servers.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const KEYS = { cbc1: randomBytes(32), cbc0: randomBytes(16), gcm: randomBytes(16), box: randomBytes(32), other: randomBytes(32) };
const b64 = (b: Buffer) => b.toString('base64');
const prefix = (provider: string, key: string) => Buffer.from(`k8s:enc:${provider}:v1:${key}:`);

function aescbc(name: string, key: Buffer, plain: Buffer): Buffer {
  const iv = randomBytes(16);
  const pad = 16 - (plain.length % 16);
  const c = createCipheriv(`aes-${key.length * 8}-cbc`, key, iv).setAutoPadding(false);
  const body = Buffer.concat([plain, Buffer.alloc(pad, pad)]);
  return Buffer.concat([prefix('aescbc', name), iv, c.update(body), c.final()]);
}
function aesgcm(name: string, key: Buffer, plain: Buffer, etcdKey: string): Buffer {
  const nonce = randomBytes(12);
  const c = createCipheriv(`aes-${key.length * 8}-gcm` as 'aes-128-gcm', key, nonce);
  c.setAAD(Buffer.from(etcdKey));
  const body = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([prefix('aesgcm', name), nonce, body, c.getAuthTag()]);
}
function sealed(name: string, key: Buffer, plain: Buffer): Buffer {
  const nonce = randomBytes(24);
  return Buffer.concat([prefix('secretbox', name), nonce, Buffer.from(secretbox(key, nonce).seal(plain))]);
}

const secret = (name: string, namespace: string, password: string): Obj => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace, uid: `uid-${name}`, creationTimestamp: '2026-01-02T03:04:05Z' },
  data: { password: b64(Buffer.from(password)) },
  type: 'Opaque',
});

const CONFIG = `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources:
      - secrets
    providers:
      - aescbc:
          keys:
            - name: key1
              secret: ${b64(KEYS.cbc1)}
            - name: key0
              secret: ${b64(KEYS.cbc0)}
      - aesgcm:
          keys:
            - name: gcm1
              secret: ${b64(KEYS.gcm)}
      - secretbox:
          keys:
            - name: box1
              secret: ${b64(KEYS.box)}
      - kms:
          apiVersion: v2
          name: vault
          endpoint: unix:///var/run/kms.sock
      - identity: {}
`;

let srv: EtcdServer;
let snap: string;
let dir: string;
let cfg: string;
const at = () => `--endpoints=${srv.endpoint}`;

async function put(key: string, value: Buffer): Promise<void> {
  const r = await fetch(`http://${srv.endpoint}/v3/kv/put`, { method: 'POST', body: JSON.stringify({ key: b64(Buffer.from(key)), value: b64(value) }) });
  assert.equal(r.status, 200);
}

const GOOD: [string, (k: string, plain: Buffer) => Buffer][] = [
  ['s-cbc', (_k, p) => aescbc('key1', KEYS.cbc1, p)],
  ['s-cbc-old', (_k, p) => aescbc('key0', KEYS.cbc0, p)],
  ['s-gcm', (k, p) => aesgcm('gcm1', KEYS.gcm, p, k)],
  ['s-box', (_k, p) => sealed('box1', KEYS.box, p)],
];

describe(`Secrets encrypted at rest${onEdge() ? '' : ` (${EDGES_ONLY})`}`, { skip: !onEdge() && EDGES_ONLY }, () => {
  before(async () => {
    srv = await startEtcd();
    dir = tempDir();
    cfg = join(dir, 'encryption.yaml');
    writeFileSync(cfg, CONFIG);
    for (const [name, enc] of GOOD) {
      const key = `/registry/secrets/prod/${name}`;
      await put(key, enc(key, storageValue(secret(name, 'prod', `pw-${name}`))));
    }
    const plain = storageValue(secret('x', 'broken', 'x'));
    await put('/registry/secrets/broken/s-kms', Buffer.concat([Buffer.from('k8s:enc:kms:v2:vault:'), randomBytes(40)]));
    await put('/registry/secrets/broken/s-nokey', aescbc('key9', KEYS.cbc1, plain));
    await put('/registry/secrets/broken/s-wrong', aesgcm('gcm1', KEYS.other.subarray(0, 16), plain, '/registry/secrets/broken/s-wrong'));
    // GCM authenticates the key: a value moved under another key does not open.
    await put('/registry/secrets/broken/s-moved', aesgcm('gcm1', KEYS.gcm, plain, '/registry/secrets/prod/elsewhere'));
    snap = join(dir, 'enc.db');
    assert.equal((await ours([at(), 'snapshot', 'save', snap])).code, 0);
  });
  after(async () => {
    await srv?.stop();
  });

  for (const source of ['live', 'snapshot']) {
    const from = () => (source === 'live' ? [at()] : [`--snapshot=${snap}`]);
    test(`get decrypts aescbc (two keys), aesgcm and secretbox values (${source})`, async () => {
      for (const [name] of GOOD) {
        const r = await ours([...from(), 'k8s', 'get', 'secrets', name, '-n', 'prod', '-o', 'json', `--encryption-provider-config=${cfg}`]);
        assert.equal(r.code, 0, r.stderr);
        const got = JSON.parse(r.stdout.toString()) as Obj;
        assert.deepEqual([got.kind, (got.metadata as Obj).name, got.data, got.type], ['Secret', name, { password: b64(Buffer.from(`pw-${name}`)) }, 'Opaque']);
        for (const k of Object.values(KEYS)) assert.ok(!r.stdout.toString().includes(b64(k)));
      }
    });

    test(`ls shows the kind and how each value was encrypted; usage counts the stored bytes (${source})`, async () => {
      const r = await ours([...from(), 'k8s', 'ls', 'secrets', '-n', 'prod', '-w', 'json', `--encryption-provider-config=${cfg}`]);
      assert.equal(r.code, 0, r.stderr);
      const list = (JSON.parse(r.stdout.toString()) as { items: Obj[] }).items;
      assert.deepEqual(
        list.map((o) => [o.name, o.kind, (o.encryption as Obj | undefined)?.provider]),
        [
          ['s-box', 'Secret', 'secretbox v1'],
          ['s-cbc', 'Secret', 'aescbc v1'],
          ['s-cbc-old', 'Secret', 'aescbc v1'],
          ['s-gcm', 'Secret', 'aesgcm v1'],
        ],
      );
      const without = JSON.parse((await ours([...from(), 'k8s', 'usage', '-w', 'json'])).stdout.toString()) as Obj;
      const withKeys = await ours([...from(), 'k8s', 'usage', '-w', 'json', `--encryption-provider-config=${cfg}`]);
      assert.equal(withKeys.code, 1);
      assert.equal((JSON.parse(withKeys.stdout.toString()) as Obj).bytes, without.bytes);
    });

    test(`what cannot be decrypted is named, with a non-zero exit (${source})`, async () => {
      const get = (name: string) => ours([...from(), 'k8s', 'get', 'secrets', name, '-n', 'broken', `--encryption-provider-config=${cfg}`]);
      const cases: [string, string][] = [
        [
          's-kms',
          'Error: /registry/secrets/broken/s-kms is encrypted by the KMS plugin "vault" (kms v2): the key is held by the plugin, so it cannot be decrypted offline',
        ],
        ['s-nokey', `Error: /registry/secrets/broken/s-nokey is encrypted with aescbc key "key9", which ${cfg} does not have`],
        [
          's-wrong',
          `Error: /registry/secrets/broken/s-wrong does not decrypt with aesgcm key "gcm1" from ${cfg} (a different key under that name, or a damaged value)`,
        ],
        [
          's-moved',
          `Error: /registry/secrets/broken/s-moved does not decrypt with aesgcm key "gcm1" from ${cfg} (a different key under that name, or a damaged value)`,
        ],
      ];
      for (const [name, line] of cases) {
        const r = await get(name);
        assert.deepEqual([r.code, errorLines(r.stderr), r.stdout.length], [1, [line], 0], name);
      }
      // A listing prints what it can, then fails naming the rest.
      const ls = await ours([...from(), 'k8s', 'ls', 'secrets', `--encryption-provider-config=${cfg}`]);
      assert.equal(ls.code, 1);
      assert.match(errorLines(ls.stderr)[0]!, /^Error: 4 encrypted values could not be decrypted: /);
      assert.match(ls.stdout.toString(), /^NAMESPACE +NAME +KIND +APIVERSION +AGE +SIZE +REVISION +ENCRYPTED\n/);
      assert.match(ls.stdout.toString(), /\nprod +s-gcm +Secret +v1 .* aesgcm v1 \(gcm1\)\n/);
    });
  }

  test('watch decrypts the changes it shows', async () => {
    const w = start(OURS, [at(), 'k8s', 'watch', 'secrets', `--encryption-provider-config=${cfg}`, '-w', 'jsonl']);
    try {
      await new Promise((r) => setTimeout(r, 300));
      const key = '/registry/secrets/prod/s-new';
      for (let i = 0; ; i++) {
        await put(key, aesgcm('gcm1', KEYS.gcm, storageValue(secret('s-new', 'prod', 'new')), key));
        try {
          await w.waitFor('"name":"s-new"', 1000);
          break;
        } catch (e) {
          if (i >= 10) throw e;
        }
      }
      assert.match(w.out(), /"kind":"Secret","apiVersion":"v1","namespace":"prod","name":"s-new"/);
    } finally {
      await w.stop();
    }
  });

  test('a missing, unreadable or wrong config file: one line naming it, exit 1, no key material', async () => {
    const files: [string, string, RegExp][] = [
      ['missing.yaml', '', /^Error: --encryption-provider-config: .*missing\.yaml.*no such file or directory/],
      ['bad.yaml', 'resources: [unclosed', /^Error: --encryption-provider-config: .*bad\.yaml is not YAML: /],
      [
        'kind.yaml',
        'apiVersion: v1\nkind: ConfigMap\nresources: []\n',
        /^Error: --encryption-provider-config: .*kind\.yaml is a v1 ConfigMap, not an EncryptionConfiguration \(apiserver\.config\.k8s\.io\/v1\)$/,
      ],
      [
        'shape.yaml',
        'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n',
        /^Error: --encryption-provider-config: .*shape\.yaml is not an EncryptionConfiguration: resources: /,
      ],
      [
        'short.yaml',
        CONFIG.replace(b64(KEYS.box), b64(KEYS.box.subarray(0, 20))),
        /^Error: --encryption-provider-config: .*short\.yaml: secretbox key "box1" is not 32 bytes of base64 \(20 bytes decoded\)$/,
      ],
    ];
    for (const [name, text, want] of files) {
      const path = join(dir, name);
      if (text) writeFileSync(path, text);
      const r = await ours([at(), 'k8s', 'get', 'secrets', 's-cbc', '-n', 'prod', `--encryption-provider-config=${path}`, '--debug']);
      assert.equal(r.code, 1, name);
      assert.match(errorLines(r.stderr)[0]!, want, `${name}: ${r.stderr}`);
      for (const k of Object.values(KEYS)) assert.ok(!r.stderr.includes(b64(k)) && !r.stderr.includes(b64(k.subarray(0, 20))), name);
    }
    // The older v1 EncryptionConfig kind is read too.
    const old = join(dir, 'old.yaml');
    writeFileSync(old, CONFIG.replace('apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration', 'apiVersion: v1\nkind: EncryptionConfig'));
    const r = await ours([at(), 'k8s', 'get', 'secrets', 's-box', '-n', 'prod', '-o', 'json', `--encryption-provider-config=${old}`]);
    assert.equal(r.code, 0, r.stderr);
  });
});
