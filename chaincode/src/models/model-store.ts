import { CityLedgerError, type ModelEntry, type ModelKind, type ModelStatus } from '@cityledger/core';
import { type Context } from 'fabric-contract-api';
import { requireMajorityEndorsement } from '../ledger/endorsement';
import { keys } from '../ledger/keys';
import { getJson, putJson } from '../ledger/state';

/**
 * Model statuses by `<id>@<version>`. The set under keys.modelSet() holds the models approved now:
 * every record and flow alert reads it, so it holds active models only (sets written before 2026-11
 * may still list retired ones, read as retired) and retiring a model moves it to the retired set,
 * which only listModels reads. Both keys need a majority of department peers.
 */
export interface ModelSet {
  readonly models: Readonly<Record<string, ModelStatus>>;
}

/** Most models active at once (the set every record reads). */
export const MAX_MODELS = 1_000;

export function modelRef(id: string, version: string): string {
  return `${id}@${version}`;
}

export async function getModelSet(ctx: Context): Promise<ModelSet> {
  return (await getJson<ModelSet>(ctx, keys.modelSet())) ?? { models: {} };
}

async function getRetiredModels(ctx: Context): Promise<ModelSet> {
  return (await getJson<ModelSet>(ctx, keys.retiredModels())) ?? { models: {} };
}

/** Every registered model and its status: the approved set and the retired one. */
export async function listModelStatuses(ctx: Context): Promise<ModelSet> {
  const [active, retired] = await Promise.all([getModelSet(ctx), getRetiredModels(ctx)]);
  return { models: { ...active.models, ...retired.models } };
}

function without(set: ModelSet, ref: string): ModelSet {
  return { models: Object.fromEntries(Object.entries(set.models).filter(([r]) => r !== ref)) };
}

/**
 * Records a model's status: an active model joins the approved set, a retired one leaves it for the
 * retired set. Both keys need a majority of department peers.
 */
export async function putModelStatus(
  ctx: Context,
  set: ModelSet,
  ref: string,
  status: ModelStatus,
): Promise<void> {
  if (status === 'active') {
    if (set.models[ref] === undefined && Object.keys(set.models).length >= MAX_MODELS) {
      throw new CityLedgerError(
        'CONFLICT',
        `the model registry holds its maximum of ${MAX_MODELS} active models: retire one first`,
      );
    }
    await putJson(ctx, keys.modelSet(), { models: { ...set.models, [ref]: status } });
  } else {
    const retired = await getRetiredModels(ctx);
    await putJson(ctx, keys.modelSet(), without(set, ref));
    await putJson(ctx, keys.retiredModels(), { models: { ...retired.models, [ref]: status } });
    await requireMajorityEndorsement(ctx, keys.retiredModels());
  }
  await requireMajorityEndorsement(ctx, keys.modelSet());
}

export async function findModel(ctx: Context, id: string, version: string): Promise<ModelEntry | undefined> {
  return getJson<ModelEntry>(ctx, keys.model(id, version));
}

/**
 * Approved: listed active in the majority-endorsed set and active in its own entry. An entry outside
 * the set is not trusted (a minority of peers could create one), unless it says it was retired.
 */
function checkApproved(set: ModelSet, ref: string, model: ModelEntry | undefined): ModelEntry {
  const listed = set.models[ref];
  if (model !== undefined && listed === 'active' && model.status === 'active') {
    return model;
  }
  if (model !== undefined && (listed === 'retired' || model.status === 'retired')) {
    throw new CityLedgerError('MODEL_NOT_APPROVED', `model ${ref} is retired`);
  }
  throw new CityLedgerError('MODEL_NOT_APPROVED', `model ${ref} is not registered`);
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
