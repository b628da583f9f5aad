import './quiet-logs';
import { common, msp } from '@hyperledger/fabric-protos';
import { KeyEndorsementPolicy } from 'fabric-shim';
import {
  departmentMajorityPolicy,
  ownerPolicy,
  peersOutOfPolicy,
} from '../../../chaincode/src/ledger/endorsement';

interface Decoded {
  readonly n: number;
  readonly signedBy: number[];
  readonly principals: { mspId: string; role: number }[];
}

/** Decodes a validation parameter with Fabric's own protobuf classes. */
function decode(bytes: Uint8Array): Decoded {
  const envelope = common.SignaturePolicyEnvelope.deserializeBinary(bytes);
  const nOutOf = envelope.getRule()!.getNOutOf()!;
  return {
    n: nOutOf.getN(),
    signedBy: nOutOf.getRulesList().map((r) => r.getSignedBy()),
    principals: envelope.getIdentitiesList().map((p) => {
      expect(p.getPrincipalClassification()).toBe(msp.MSPPrincipal.Classification.ROLE);
      const role = msp.MSPRole.deserializeBinary(p.getPrincipal_asU8());
      return { mspId: role.getMspIdentifier(), role: role.getRole() };
    }),
  };
}

const PEER = msp.MSPRole.MSPRoleType.PEER;

describe('state-based endorsement policies', () => {
  it("encodes n-of-n exactly as fabric-shim's KeyEndorsementPolicy does", () => {
    for (const orgs of [
      ['HealthMSP'],
      ['TransportMSP', 'EnergyMSP'],
      ['TransportMSP', 'EnergyMSP', 'HealthMSP'],
    ]) {
      const shim = new KeyEndorsementPolicy();
      shim.addOrgs('PEER', ...orgs);
      expect(peersOutOfPolicy(orgs.length, orgs).equals(Buffer.from(shim.getPolicy()))).toBe(true);
    }
  });

  it('requires 2 of the 3 department peers for the model registry', () => {
    expect(decode(departmentMajorityPolicy())).toEqual({
      n: 2,
      signedBy: [0, 1, 2],
      principals: [
        { mspId: 'TransportMSP', role: PEER },
        { mspId: 'EnergyMSP', role: PEER },
        { mspId: 'HealthMSP', role: PEER },
      ],
    });
    expect(new KeyEndorsementPolicy(departmentMajorityPolicy()).listOrgs()).toEqual([
      'TransportMSP',
      'EnergyMSP',
      'HealthMSP',
    ]);
  });

  it("requires the owner department's peer alone for its policies and gateways", () => {
    expect(decode(ownerPolicy('energy'))).toEqual({
      n: 1,
      signedBy: [0],
      principals: [{ mspId: 'EnergyMSP', role: PEER }],
    });
  });

  it('refuses impossible thresholds', () => {
    expect(() => peersOutOfPolicy(0, ['A'])).toThrow(RangeError);
    expect(() => peersOutOfPolicy(3, ['A', 'B'])).toThrow(RangeError);
  });

  it('encodes long MSP ids (multi-byte lengths)', () => {
    const long = 'M'.repeat(200);
    expect(decode(peersOutOfPolicy(1, [long])).principals).toEqual([{ mspId: long, role: PEER }]);
  });
});
