import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';

/** A satellite's Ed25519 key pair as PEM: the private half stays on the satellite. */
export async function generateSatelliteKeys(): Promise<{
  privateKeyPem: string;
  publicKeyPem: string;
}> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', {
    crv: 'Ed25519',
    extractable: true,
  });
  return {
    privateKeyPem: await exportPKCS8(privateKey),
    publicKeyPem: await exportSPKI(publicKey),
  };
}
