import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConnectionProfile, parseConnectionProfile } from '@cityledger/client';

const valid = {
  org: 'transport',
  mspId: 'TransportMSP',
  channel: 'cityledger',
  chaincode: 'cityledger',
  peers: [
    { name: 'peer0', endpoint: '127.0.0.1:7051', hostAlias: 'peer0.transport', tlsRootCertPath: '/ca.pem' },
  ],
  identities: { steward: { certPath: '/c.pem', keyPath: '/k.pem' } },
};

describe('connection profiles', () => {
  it('parses the documented format', () => {
    const p = parseConnectionProfile(valid);
    expect(p.mspId).toBe('TransportMSP');
    expect(p.peers[0]?.hostAlias).toBe('peer0.transport');
    expect(p.identities.steward?.keyPath).toBe('/k.pem');
  });

  it('reads the optional TLS client certificate used with mutual TLS', () => {
    expect(parseConnectionProfile(valid).clientTls).toBeUndefined();
    const p = parseConnectionProfile({ ...valid, clientTls: { certPath: '/tls.pem', keyPath: '/tls.key' } });
    expect(p.clientTls).toEqual({ certPath: '/tls.pem', keyPath: '/tls.key' });
    expect(() => parseConnectionProfile({ ...valid, clientTls: { certPath: '/tls.pem' } })).toThrow(
      /"keyPath"/,
    );
  });

  it('names the missing or malformed field', () => {
    expect(() => parseConnectionProfile({ ...valid, peers: [] })).toThrow(
      /"peers" must be a non-empty array/,
    );
    expect(() => parseConnectionProfile({ ...valid, mspId: 3 })).toThrow(
      /"mspId" must be a non-empty string/,
    );
    expect(() => parseConnectionProfile({ ...valid, identities: { x: { certPath: '/c' } } })).toThrow(
      /"keyPath"/,
    );
    expect(() => parseConnectionProfile([])).toThrow(/must be an object/);
  });

  it('loads from <dataDir>/connections/<org>.json and says what to do when absent', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cl-profile-'));
    mkdirSync(path.join(dir, 'connections'));
    writeFileSync(path.join(dir, 'connections', 'transport.json'), JSON.stringify(valid));
    expect(loadConnectionProfile('transport', dir).org).toBe('transport');
    expect(() => loadConnectionProfile('energy', dir)).toThrow(/is the network up\?/);
  });
});
