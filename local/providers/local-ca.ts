/**
 * A throwaway certificate authority and a server certificate it signs (localhost, 127.0.0.1), made
 * at start-up so the APNs fake can speak HTTP/2 over TLS like APNs does. Keys come from node:crypto;
 * node-forge builds the X.509 certificates (node:crypto cannot). Adapters trust the CA through their
 * `caPem` option; nothing is written to disk or to the system trust store.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/** The CA's certificate (give it to clients) and the server's key and certificate (give them to the server). */
export interface LocalTls {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

const DAY_MS = 86_400_000;

function rsaKeys(): {
  privateKey: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
  pem: string;
} {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  return {
    privateKey: forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey,
    publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    pem,
  };
}

function certificate(
  publicKey: forge.pki.rsa.PublicKey,
  subject: forge.pki.CertificateField[],
  issuer: forge.pki.CertificateField[],
  validDays: number,
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // Why a positive random serial: RFC 5280 wants unique, positive serials (a leading 0 bit).
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + validDays * DAY_MS);
  cert.setSubject(subject);
  cert.setIssuer(issuer);
  return cert;
}

/** Makes a CA and a server certificate for localhost and 127.0.0.1, valid for `validDays` (default 30). */
export function createLocalTls(validDays = 30): LocalTls {
  const ca = rsaKeys();
  const caName = [{ name: 'commonName', value: 'Herald local CA' }];
  const caCert = certificate(ca.publicKey, caName, caName, validDays);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  caCert.sign(ca.privateKey, forge.md.sha256.create());

  const server = rsaKeys();
  const serverCert = certificate(
    server.publicKey,
    [{ name: 'commonName', value: 'localhost' }],
    caName,
    validDays,
  );
  serverCert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
      ],
    },
  ]);
  serverCert.sign(ca.privateKey, forge.md.sha256.create());
  return {
    caPem: forge.pki.certificateToPem(caCert),
    certPem: forge.pki.certificateToPem(serverCert),
    keyPem: server.pem,
  };
}
