// Secrets encrypted at rest, decrypted with the operator's
// EncryptionConfiguration (kube-apiserver's --encryption-provider-config).
// A stored value is `k8s:enc:<provider>:v1:<key name>:` then, by provider:
//   aescbc:    IV (16 bytes), AES-CBC with PKCS#7 padding;
//   aesgcm:    nonce (12 bytes), AES-GCM with the etcd key as additional
//              authenticated data, the 16-byte tag last;
//   secretbox: nonce (24 bytes), XSalsa20-Poly1305 as NaCl seals it
//              (tag first).
// kms values name a plugin that holds the key; they cannot be read offline.
import { createDecipheriv, type CipherGCMTypes } from 'node:crypto';
import * as z from 'zod/mini';
import { encryptedHeader } from './decode.js';

export class EncryptionError extends Error {}

const PREFIX_LENGTH = 'k8s:enc:'.length;
const Keys = z.object({ keys: z.array(z.object({ name: z.string(), secret: z.string() })) });
const Provider = z.object({
  aescbc: z.optional(Keys),
  aesgcm: z.optional(Keys),
  secretbox: z.optional(Keys),
  identity: z.optional(z.unknown()),
  kms: z.optional(z.object({ name: z.string(), apiVersion: z.optional(z.string()) })),
});
const Config = z.object({
  kind: z.string(),
  apiVersion: z.string(),
  resources: z.array(z.object({ resources: z.array(z.string()), providers: z.array(Provider) })),
});

type Cipher = 'aescbc' | 'aesgcm' | 'secretbox';
interface Key {
  cipher: Cipher;
  name: string;
  secret: Buffer;
  // The resources of the config entry it came from ("secrets", "*.apps", "*.*").
  resources: string[];
}

export interface Decrypted {
  plain: Buffer;
  provider: string;
  key: string;
}

const KEY_SIZES: Record<Cipher, number[]> = { aescbc: [16, 24, 32], aesgcm: [16, 24, 32], secretbox: [32] };

// What the config names, by provider and key name; `file` names it in errors.
export class Keyring {
  private constructor(
    private readonly keys: Key[],
    private readonly file: string,
  ) {}

  // `config` is the parsed file (YAML or JSON).
  static from(config: unknown, file: string): Keyring {
    const parsed = Config.safeParse(config);
    if (!parsed.success)
      throw new EncryptionError(
        `${file} is not an EncryptionConfiguration: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'the document'}: ${i.message}`).join('; ')}`,
      );
    const c = parsed.data;
    const kinds = [
      ['EncryptionConfiguration', 'apiserver.config.k8s.io/v1'],
      ['EncryptionConfig', 'v1'],
    ];
    if (!kinds.some(([k, v]) => c.kind === k && c.apiVersion === v)) {
      throw new EncryptionError(`${file} is a ${c.apiVersion} ${c.kind}, not an EncryptionConfiguration (apiserver.config.k8s.io/v1)`);
    }
    const keys: Key[] = [];
    for (const entry of c.resources) {
      for (const p of entry.providers) {
        for (const cipher of ['aescbc', 'aesgcm', 'secretbox'] as const) {
          for (const k of p[cipher]?.keys ?? []) {
            const secret = Buffer.from(k.secret, 'base64');
            // Said without the secret: its length only.
            if (!KEY_SIZES[cipher].includes(secret.length) || secret.toString('base64').replace(/=+$/, '') !== k.secret.replace(/=+$/, '')) {
              throw new EncryptionError(
                `${file}: ${cipher} key "${k.name}" is not ${KEY_SIZES[cipher].join(', ')} bytes of base64 (${secret.length} bytes decoded)`,
              );
            }
            keys.push({ cipher, name: k.name, secret, resources: entry.resources });
          }
        }
      }
    }
    return new Keyring(keys, file);
  }

  // The plaintext of a stored value, or undefined when it is not encrypted.
  // `etcdKey` is the value's key: GCM authenticates it, and it names the
  // object in errors. `resource` ("secrets", "deployments.apps") picks the
  // config entry when two give one key name different secrets.
  decrypt(etcdKey: string, resource: string, value: Buffer): Decrypted | undefined {
    const head = encryptedHeader(value);
    if (!head) return undefined;
    const [provider = '', version = '', name = ''] = head;
    if (provider === 'kms')
      throw new EncryptionError(
        `${etcdKey} is encrypted by the KMS plugin "${name}" (kms ${version}): the key is held by the plugin, so it cannot be decrypted offline`,
      );
    if (!(provider in KEY_SIZES) || head.length < 4)
      throw new EncryptionError(
        `${etcdKey} is encrypted with ${provider || 'an unnamed provider'} ${version}, which etcdctl-ts cannot decrypt (aescbc, aesgcm and secretbox it can)`,
      );
    const cipher = provider as Cipher;
    const data = value.subarray(PREFIX_LENGTH + provider.length + version.length + name.length + 3);
    const candidates = this.keys.filter((k) => k.cipher === cipher && k.name === name);
    if (candidates.length === 0) throw new EncryptionError(`${etcdKey} is encrypted with ${cipher} key "${name}", which ${this.file} does not have`);
    const matches = (k: Key) =>
      k.resources.some(
        (r) => r === resource || r === '*.*' || (r.startsWith('*.') && resource.endsWith(r.slice(1))) || (r === '*.' && !resource.includes('.')),
      );
    candidates.sort((a, b) => Number(matches(b)) - Number(matches(a)));
    for (const k of candidates) {
      const plain = open(k, data, etcdKey);
      if (plain) return { plain, provider: `${cipher} ${version}`, key: name };
    }
    throw new EncryptionError(
      `${etcdKey} does not decrypt with ${cipher} key "${name}" from ${this.file} (a different key under that name, or a damaged value)`,
    );
  }
}

// The plaintext, or undefined when this key does not open it.
function open(k: Key, data: Buffer, etcdKey: string): Buffer | undefined {
  try {
    switch (k.cipher) {
      case 'aescbc': {
        if (data.length < 32 || data.length % 16 !== 0) return undefined;
        const d = createDecipheriv(`aes-${k.secret.length * 8}-cbc`, k.secret, data.subarray(0, 16));
        return Buffer.concat([d.update(data.subarray(16)), d.final()]);
      }
      case 'aesgcm': {
        if (data.length < 12 + 16) return undefined;
        const d = createDecipheriv(`aes-${k.secret.length * 8}-gcm` as CipherGCMTypes, k.secret, data.subarray(0, 12));
        d.setAAD(Buffer.from(etcdKey));
        d.setAuthTag(data.subarray(data.length - 16));
        return Buffer.concat([d.update(data.subarray(12, data.length - 16)), d.final()]);
      }
      case 'secretbox': {
        if (data.length < 24 + 16) return undefined;
        // Loaded on first use: only secretbox values need it.
        const { secretbox } = require('@noble/ciphers/salsa.js') as typeof import('@noble/ciphers/salsa.js');
        return Buffer.from(secretbox(k.secret, data.subarray(0, 24)).open(data.subarray(24)));
      }
    }
  } catch {
    // A wrong key: bad padding, or an authentication failure.
    return undefined;
  }
}
