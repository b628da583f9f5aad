import {
  ATTR_DEPARTMENT,
  ATTR_ROLE,
  type Department,
  isoToMillis,
  MSP_IDS,
  type Role,
} from '@cityledger/core';
import { type Context, type Contract } from 'fabric-contract-api';
import type { ClientIdentity } from 'fabric-shim-api';
import { type ChaincodeEventRecord, FakeLedger, FakeStub } from './fake-stub';

/**
 * Typed fakes at the Fabric boundary: a client identity with certificate attributes, and a
 * network that runs contract functions the way fabric-contract-api does (declared transaction
 * functions only, through `aroundTransaction`) against a FakeStub, committing submitted
 * transactions that succeed.
 */

export class FakeIdentity implements ClientIdentity {
  readonly #mspId: string;
  readonly #id: string;
  readonly #attrs: Readonly<Record<string, string>>;

  constructor(mspId: string, id: string, attrs: Readonly<Record<string, string>>) {
    this.#mspId = mspId;
    this.#id = id;
    this.#attrs = attrs;
  }

  assertAttributeValue(attrName: string, attrValue: string): boolean {
    return this.#attrs[attrName] === attrValue;
  }
  getAttributeValue(attrName: string): string | null {
    return this.#attrs[attrName] ?? null;
  }
  getID(): string {
    return this.#id;
  }
  getIDBytes(): Uint8Array {
    return Buffer.from(`-----BEGIN CERTIFICATE-----\n${this.#id}\n-----END CERTIFICATE-----\n`);
  }
  getMSPID(): string {
    return this.#mspId;
  }
}

export function fabricId(name: string, org: string): string {
  return `x509::/C=US/O=CityLedger/OU=client/CN=${name}.${org}::/C=US/O=CityLedger/CN=ca.${org}`;
}

/** An enrolled identity of a department org, as network/ issues them. */
export function identity(department: Department, role: Role, name: string = role): FakeIdentity {
  return new FakeIdentity(MSP_IDS[department], fabricId(name, department), {
    [ATTR_ROLE]: role,
    [ATTR_DEPARTMENT]: department,
  });
}

/** The outsider CA's steward: claims to be transport but belongs to OutsiderMSP. */
export function outsider(): FakeIdentity {
  return new FakeIdentity('OutsiderMSP', fabricId('steward', 'outsider'), {
    [ATTR_ROLE]: 'steward',
    [ATTR_DEPARTMENT]: 'transport',
  });
}

export interface InvokeOptions {
  readonly as: FakeIdentity;
  /** Transaction timestamp; defaults to the network clock. */
  readonly at?: string;
  readonly transient?: Readonly<Record<string, string>>;
}

export interface TxResult {
  readonly txId: string;
  readonly payload: string;
  readonly event: ChaincodeEventRecord | undefined;
  readonly stub: FakeStub;
  /** The payload parsed as JSON. */
  json(): unknown;
}

interface DeclaredTransaction {
  readonly name: string;
  readonly parameters?: readonly unknown[];
}

type Around = (ctx: Context, fn: string, parameters: readonly string[]) => Promise<unknown>;

export class FakeNetwork {
  readonly ledger = new FakeLedger();
  clock = '2026-03-01T12:00:00.000Z';
  /** The stub of the latest transaction, successful or not. */
  lastStub: FakeStub | undefined;
  #tx = 0;

  /** Runs and, if it succeeds, commits a transaction. */
  submit(contract: Contract, fn: string, args: readonly string[], options: InvokeOptions): Promise<TxResult> {
    return this.#run(contract, fn, args, options, true);
  }

  /** Runs a read-only transaction; nothing is committed. */
  evaluate(
    contract: Contract,
    fn: string,
    args: readonly string[],
    options: InvokeOptions,
  ): Promise<TxResult> {
    return this.#run(contract, fn, args, options, false);
  }

  async #run(
    contract: Contract,
    fn: string,
    args: readonly string[],
    options: InvokeOptions,
    submit: boolean,
  ): Promise<TxResult> {
    this.#tx += 1;
    const txId = `tx${this.#tx.toString().padStart(6, '0')}`;
    const stub = new FakeStub(this.ledger, {
      txId,
      timestampMs: isoToMillis(options.at ?? this.clock),
      creator: { mspid: options.as.getMSPID(), idBytes: options.as.getIDBytes() },
      transient: new Map(
        Object.entries(options.transient ?? {}).map(([k, v]) => [k, Buffer.from(v, 'utf8')]),
      ),
      fcn: `${contract.getName()}:${fn}`,
      params: args,
      submit,
    });
    this.lastStub = stub;
    const ctx = contract.createContext();
    ctx.stub = stub;
    ctx.clientIdentity = options.as;
    const declared = (
      Reflect as unknown as { getMetadata(k: string, t: object): DeclaredTransaction[] | undefined }
    )
      .getMetadata('fabric:transactions', contract)
      ?.find((t) => t.name === fn);
    let result: unknown;
    if (declared === undefined) {
      await contract.unknownTransaction(ctx);
    } else {
      if ((declared.parameters ?? []).length !== args.length) {
        throw new Error(
          `Expected ${(declared.parameters ?? []).length} parameters, but ${args.length} have been supplied`,
        );
      }
      result = await (contract.aroundTransaction.bind(contract) as unknown as Around)(ctx, fn, args);
    }
    if (stub.openIterators !== 0) {
      throw new Error(`${fn} left ${stub.openIterators} iterator(s) open`);
    }
    if (submit) {
      stub.commit();
    }
    const payload = typeof result === 'string' ? result : '';
    return {
      txId,
      payload,
      event: stub.event,
      stub,
      json: () => JSON.parse(payload) as unknown,
    };
  }
}
