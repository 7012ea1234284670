// Classes of connection failure, shared by the client's retry loop and the
// (lazily loaded) diagnosis.

export const UNKNOWN_CA = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

export const CLIENT_CERT_REFUSED = new Set([
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR',
]);

// Failures that retrying cannot fix: the same handshake fails the same way.
export function isPermanent(e: Error): boolean {
  const code = (e as Error & { code?: string }).code ?? '';
  return (
    UNKNOWN_CA.has(code) ||
    CLIENT_CERT_REFUSED.has(code) ||
    code === 'ERR_TLS_CERT_ALTNAME_INVALID' ||
    code === 'CERT_HAS_EXPIRED' ||
    code === 'ENOTFOUND' ||
    code === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
    code === 'ECLOSEDEARLY' ||
    code === 'ERR_INVALID_URL'
  );
}
