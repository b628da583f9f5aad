import './quiet-logs';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JSONSerializer } from 'fabric-contract-api';
import { contracts } from '../../../chaincode/src';

// fabric-chaincode-node builds the contract metadata (what `org.hyperledger.fabric:GetMetadata`
// returns) in ChaincodeFromContract; build it the same way and compare with the committed golden file.
// After an intended API change: UPDATE_METADATA_GOLDEN=1 npx jest test/unit/chaincode/metadata
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ChaincodeFromContract = require('fabric-shim/lib/contract-spi/chaincodefromcontract') as new (
  contracts: unknown[],
  serializers: object,
  metadata: object,
  title: string,
  version: string,
) => { metadata: unknown };

const root = join(__dirname, '..', '..', '..', 'chaincode');
const golden = join(root, 'metadata.golden.json');

function generated(): unknown {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  const serializers = { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } };
  const chaincode = new ChaincodeFromContract([...contracts], serializers, {}, pkg.name, pkg.version);
  return JSON.parse(JSON.stringify(chaincode.metadata)) as unknown;
}

describe('contract metadata', () => {
  it('matches chaincode/metadata.golden.json', () => {
    const metadata = generated();
    if (process.env.UPDATE_METADATA_GOLDEN === '1') {
      writeFileSync(golden, `${JSON.stringify(metadata, null, 2)}\n`);
    }
    expect(metadata).toEqual(JSON.parse(readFileSync(golden, 'utf8')) as unknown);
  });

  it('declares every transaction with named string parameters', () => {
    const metadata = generated() as {
      contracts: Record<
        string,
        { transactions: { name: string; parameters?: { name: string; schema: { type: string } }[] }[] }
      >;
    };
    const names = Object.keys(metadata.contracts).sort();
    expect(names).toEqual([
      'audit',
      'baseline',
      'exchange',
      'gateways',
      'models',
      'org.hyperledger.fabric',
      'policies',
      'privacy',
      'system',
    ]);
    for (const contract of Object.values(metadata.contracts)) {
      for (const tx of contract.transactions) {
        for (const p of tx.parameters ?? []) {
          expect(p.name).toMatch(/^[a-z][A-Za-z]+$/);
          expect(p.schema.type).toBe('string');
        }
      }
    }
  });
});
