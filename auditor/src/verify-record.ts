import {
  LIMITS,
  addSeconds,
  decide,
  parseExchangeRecord,
  recordId,
  verdictFor,
  verifyAttestation,
  type ExchangeEntry,
  type ExchangeRecord,
  type GatewayEntry,
  type ModelEntry,
  type PolicyEntry,
} from '@cityledger/core';
import { fail, pass, skip, type CheckResult } from './checks';
import { versionAt, type Versioned } from './versions';

/** Everything `verify record` needs, all of it read from the ledger. */
export interface RecordEvidence {
  /** The id the auditor asked for. */
  readonly id: string;
  /** The stored record, or undefined when the ledger has none under that id. */
  readonly entry: ExchangeEntry | undefined;
  /** Every version of the gateway's registry entry. */
  readonly gatewayHistory: readonly Versioned<GatewayEntry>[];
  /** Every version of the registry entry of the model (id and version) the record cites. */
  readonly modelHistory: readonly Versioned<ModelEntry>[];
  /** Every version of the access policy of the record's category. */
  readonly policyHistory: readonly PolicyEntry[];
}

function formatError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function checkFormat(entry: ExchangeEntry): CheckResult {
  try {
    parseExchangeRecord(entry.record);
    return pass('record-format', 'fields, formats and cross-field rules valid');
  } catch (err) {
    return fail('record-format', formatError(err));
  }
}

function checkId(entry: ExchangeEntry): CheckResult {
  const derived = recordId(entry.record);
  return derived === entry.id
    ? pass('record-id', `sha256 of canonical content = ${derived}`)
    : fail('record-id', `content hashes to ${derived}, stored under ${entry.id}`);
}

/** The gateway version in force when the record was committed, if it was active. */
function gatewayAt(
  entry: ExchangeEntry,
  history: readonly Versioned<GatewayEntry>[],
): { result: CheckResult; gateway?: GatewayEntry } {
  const { gatewayId } = entry.record;
  const version = versionAt(history, entry.recordedAt);
  if (version === undefined) {
    return { result: fail('gateway-registered', `${gatewayId} was not registered at ${entry.recordedAt}`) };
  }
  const gateway = version.value;
  if (gateway.id !== gatewayId) {
    return { result: fail('gateway-registered', `registry history is for ${gateway.id}, not ${gatewayId}`) };
  }
  if (gateway.status !== 'active') {
    return {
      result: fail('gateway-registered', `${gatewayId} was ${gateway.status} at ${entry.recordedAt}`),
      gateway,
    };
  }
  return {
    result: pass(
      'gateway-registered',
      `${gatewayId} (${gateway.department}, zone ${gateway.zone}) active since version of ${version.at}`,
    ),
    gateway,
  };
}

function checkSignature(record: ExchangeRecord, gateway: GatewayEntry | undefined): CheckResult {
  if (gateway === undefined) {
    return skip('attestation-signature', 'no registered key to verify with');
  }
  try {
    return verifyAttestation(gateway.attestationKeyPem, record)
      ? pass('attestation-signature', `ECDSA P-256 signature verifies with ${gateway.id}'s key at that time`)
      : fail('attestation-signature', `signature does not verify with ${gateway.id}'s key at that time`);
  } catch (err) {
    return fail('attestation-signature', `registered key unusable: ${formatError(err)}`);
  }
}

/**
 * The model must have been registered and active when the flow was observed, and still active
 * when the record was committed (the chaincode's own rule); the verdict must follow from its
 * thresholds.
 */
function checkModel(
  entry: ExchangeEntry,
  history: readonly Versioned<ModelEntry>[],
): { results: CheckResult[]; model?: ModelEntry } {
  const record = entry.record;
  const name = `${record.modelId}@${record.modelVersion}`;
  const relevant = history.filter(
    (v) => v.value.id === record.modelId && v.value.version === record.modelVersion,
  );
  const observed = versionAt(relevant, record.observedAt);
  if (observed === undefined) {
    return {
      results: [
        fail('model-approved', `${name} was not registered at ${record.observedAt}`),
        skip('verdict-thresholds', 'no model thresholds to apply'),
      ],
    };
  }
  const model = observed.value;
  const committed = versionAt(relevant, entry.recordedAt)?.value ?? model;
  let approved: CheckResult;
  if (model.status !== 'active') {
    approved = fail('model-approved', `${name} was ${model.status} at ${record.observedAt}`);
  } else if (committed.status !== 'active') {
    approved = fail(
      'model-approved',
      `${name} was ${committed.status} when committed at ${entry.recordedAt}`,
    );
  } else {
    approved = pass('model-approved', `${name} (${model.kind}, sha256 ${model.sha256.slice(0, 12)}…) active`);
  }
  const expected = verdictFor(record.threatScore, model.thresholds);
  const thresholds = `suspicious ≥ ${model.thresholds.suspicious}, malicious ≥ ${model.thresholds.malicious}`;
  const verdict =
    expected === record.verdict
      ? pass('verdict-thresholds', `score ${record.threatScore} is ${expected} (${thresholds})`)
      : fail(
          'verdict-thresholds',
          `score ${record.threatScore} is ${expected}, not ${record.verdict} (${thresholds})`,
        );
  return { results: [approved, verdict], model };
}

/**
 * The chaincode's rule (policyInForce): the cited version was written before the observation and
 * not superseded more than `policyGraceSeconds` before it (the time gateways need to learn of a
 * new version).
 */
function checkPolicyVersion(
  record: ExchangeRecord,
  history: readonly PolicyEntry[],
): { result: CheckResult; policy?: PolicyEntry } {
  const { category, policyVersion, observedAt } = record;
  const cited = history.find((p) => p.category === category && p.version === policyVersion);
  if (cited === undefined) {
    const known = history.map((p) => p.version).join(', ') || 'none';
    return { result: fail('policy-version', `${category} has no v${policyVersion} (versions: ${known})`) };
  }
  // Written before the observation, give or take the tolerated skew between the two clocks.
  if (cited.createdAt > addSeconds(observedAt, LIMITS.maxClockSkewSeconds)) {
    return {
      result: fail(
        'policy-version',
        `v${policyVersion} was written at ${cited.createdAt}, after ${observedAt}`,
      ),
      policy: cited,
    };
  }
  const successor = history.find((p) => p.category === category && p.version === policyVersion + 1);
  if (successor !== undefined) {
    const citableUntil = addSeconds(successor.createdAt, LIMITS.policyGraceSeconds);
    if (citableUntil <= observedAt) {
      return {
        result: fail(
          'policy-version',
          `v${policyVersion} was superseded by v${successor.version} at ${successor.createdAt} (citable until ${citableUntil})`,
        ),
        policy: cited,
      };
    }
  }
  return {
    result: pass(
      'policy-version',
      `${category} v${policyVersion} written ${cited.createdAt}, in force at ${observedAt}`,
    ),
    policy: cited,
  };
}

function checkDecision(entry: ExchangeEntry, policy: PolicyEntry | undefined): CheckResult {
  if (policy === undefined) {
    return skip('policy-decision', 'no policy version to decide with');
  }
  const r = entry.record;
  const decision = decide(
    policy,
    {
      category: r.category,
      sourceDepartment: r.sourceDepartment,
      consumerDepartment: r.consumerDepartment,
      purpose: r.purpose,
      verdict: r.verdict,
    },
    r.observedAt,
  );
  const recomputed = decision.allow ? 'allow' : 'deny';
  const reason = decision.allow ? undefined : decision.reason;
  if (recomputed !== r.decision) {
    const why = decision.allow ? '' : ` (${decision.message})`;
    return fail('policy-decision', `decide() gives ${recomputed}${why}, record says ${r.decision}`);
  }
  if (entry.denyReason !== undefined && entry.denyReason !== reason) {
    return fail(
      'policy-decision',
      `deny reason on chain is ${entry.denyReason}, decide() gives ${reason ?? 'none'}`,
    );
  }
  return pass(
    'policy-decision',
    decision.allow ? `allow (grant to ${decision.grant.grantee})` : `deny: ${decision.message}`,
  );
}

/** Every check of `verify record`, in order. Pure: the evidence comes from the ledger. */
export function verifyRecordEvidence(evidence: RecordEvidence): CheckResult[] {
  const { entry } = evidence;
  if (entry === undefined) {
    return [fail('record-on-chain', `no record ${evidence.id} on the ledger`)];
  }
  if (entry.id !== evidence.id) {
    return [fail('record-on-chain', `the ledger returned record ${entry.id} for ${evidence.id}`)];
  }
  const onChain = pass('record-on-chain', `committed ${entry.recordedAt} in transaction ${entry.txId}`);
  const gateway = gatewayAt(entry, evidence.gatewayHistory);
  const model = checkModel(entry, evidence.modelHistory);
  const policy = checkPolicyVersion(entry.record, evidence.policyHistory);
  return [
    onChain,
    checkFormat(entry),
    checkId(entry),
    gateway.result,
    checkSignature(entry.record, gateway.gateway),
    ...model.results,
    policy.result,
    checkDecision(entry, policy.policy),
  ];
}
