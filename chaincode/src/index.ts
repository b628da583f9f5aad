import { AuditContract } from './audit/audit-contract';
import { BaselineContract } from './baseline-contract';
import { ExchangeContract } from './exchange/exchange-contract';
import { GatewayRegistryContract } from './gateways/gateway-contract';
import { ModelRegistryContract } from './models/model-contract';
import { PolicyContract } from './policies/policy-contract';
import { PrivacyContract } from './privacy/privacy-contract';
import { SystemContract } from './system-contract';

export {
  AuditContract,
  BaselineContract,
  ExchangeContract,
  GatewayRegistryContract,
  ModelRegistryContract,
  PolicyContract,
  PrivacyContract,
  SystemContract,
};

/** The contracts fabric-chaincode-node serves, addressed as `<name>:<function>` (e.g. `exchange:recordExchange`). */
export const contracts: unknown[] = [
  SystemContract,
  GatewayRegistryContract,
  ModelRegistryContract,
  PolicyContract,
  ExchangeContract,
  PrivacyContract,
  AuditContract,
  BaselineContract,
];
