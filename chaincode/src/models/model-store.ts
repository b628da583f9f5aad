import { CityLedgerError, type ModelEntry, type ModelKind, type ModelStatus } from '@cityledger/core';
import { type Context } from 'fabric-contract-api';
import { requireMajorityEndorsement } from '../ledger/endorsement';
import { keys } from '../ledger/keys';
import { getJson, putJson } from '../ledger/state';

/** Registered models and their status, keyed `<id>@<version>`. Every change needs a majority. */
export interface ModelSet {
  readonly models: Readonly<Record<string, ModelStatus>>;
}

export const MAX_MODELS = 1_000;

export function modelRef(id: string, version: string): string {
  return `${id}@${version}`;
}

export async function getModelSet(ctx: Context): Promise<ModelSet> {
  return (await getJson<ModelSet>(ctx, keys.modelSet())) ?? { models: {} };
}

/** Records a model's status in the set; the set's key needs a majority of department peers. */
export async function putModelStatus(
  ctx: Context,
  set: ModelSet,
  ref: string,
  status: ModelStatus,
): Promise<void> {
  if (set.models[ref] === undefined && Object.keys(set.models).length >= MAX_MODELS) {
    throw new CityLedgerError('CONFLICT', `the model registry holds its maximum of ${MAX_MODELS} models`);
  }
  await putJson(ctx, keys.modelSet(), { models: { ...set.models, [ref]: status } });
  await requireMajorityEndorsement(ctx, keys.modelSet());
}

export async function findModel(ctx: Context, id: string, version: string): Promise<ModelEntry | undefined> {
  return getJson<ModelEntry>(ctx, keys.model(id, version));
}

function checkApproved(set: ModelSet, ref: string, model: ModelEntry | undefined): ModelEntry {
  if (model === undefined || set.models[ref] === undefined) {
    throw new CityLedgerError('MODEL_NOT_APPROVED', `model ${ref} is not registered`);
  }
  if (model.status !== 'active' || set.models[ref] !== 'active') {
    throw new CityLedgerError('MODEL_NOT_APPROVED', `model ${ref} is retired`);
  }
  return model;
}

/**
 * The model a record cites, if approved: listed active in the majority-endorsed set and present
 * and active in its own entry. MODEL_NOT_APPROVED otherwise.
 */
export async function requireApprovedModel(ctx: Context, id: string, version: string): Promise<ModelEntry> {
  const [set, model] = await Promise.all([getModelSet(ctx), findModel(ctx, id, version)]);
  return checkApproved(set, modelRef(id, version), model);
}

export interface ModelCitation {
  readonly id: string;
  readonly version: string;
  readonly kind: ModelKind;
}

/**
 * An approved model of the given kind, checked against a model set already read (so a transaction
 * citing two models reads the set once). MODEL_NOT_APPROVED for an unregistered or retired model, or
 * one registered with another kind.
 */
export async function requireApprovedModelIn(
  ctx: Context,
  set: ModelSet,
  { id, version, kind }: ModelCitation,
): Promise<ModelEntry> {
  const ref = modelRef(id, version);
  const model = checkApproved(set, ref, await findModel(ctx, id, version));
  if (model.kind !== kind) {
    throw new CityLedgerError(
      'MODEL_NOT_APPROVED',
      `model ${ref} is registered as ${model.kind}, not ${kind}`,
    );
  }
  return model;
}
