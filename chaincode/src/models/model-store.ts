import {
  CityLedgerError,
  type ModelEntry,
  type ModelKind,
  type ModelStatus,
  type ModelThresholds,
} from '@cityledger/core';
import { type Context } from 'fabric-contract-api';
import { requireMajorityEndorsement } from '../ledger/endorsement';
import { keys } from '../ledger/keys';
import { getJson, putJson } from '../ledger/state';

/** What the checks of a record or alert need of an approved model. */
export interface ApprovedModel {
  readonly kind: ModelKind;
  readonly thresholds: ModelThresholds;
}

/** An approved model as the checks see it. */
export interface ModelInForce extends ApprovedModel {
  readonly id: string;
  readonly version: string;
}

/**
 * Model statuses by `<id>@<version>`. The set under keys.modelSet() holds the models approved now:
 * every record and flow alert reads it, so it holds active models only (sets written before 2026-11
 * may still list retired ones, read as retired) and retiring a model moves it to the retired set,
 * which only listModels reads. Both keys need a majority of department peers.
 *
 * `approved` holds the kind and thresholds of each active model, copied from its entry when it
 * joins the set, so that a record's checks read this one key and not the model's entry too (every
 * key read is in the transaction's read set, checked by every peer). Models approved before
 * 2026-11-24 have no copy; their entry is read.
 */
export interface ModelSet {
  readonly models: Readonly<Record<string, ModelStatus>>;
  readonly approved?: Readonly<Record<string, ApprovedModel>>;
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

function withoutRef<T>(map: Readonly<Record<string, T>> | undefined, ref: string): Record<string, T> {
  return Object.fromEntries(Object.entries(map ?? {}).filter(([r]) => r !== ref));
}

function without(set: ModelSet, ref: string): ModelSet {
  return { models: withoutRef(set.models, ref), approved: withoutRef(set.approved, ref) };
}

/**
 * Records a model's status: an active model joins the approved set (with its kind and thresholds),
 * a retired one leaves it for the retired set. Both keys need a majority of department peers.
 */
export async function putModelStatus(
  ctx: Context,
  set: ModelSet,
  ref: string,
  model: ModelEntry,
): Promise<void> {
  const status = model.status;
  if (status === 'active') {
    if (set.models[ref] === undefined && Object.keys(set.models).length >= MAX_MODELS) {
      throw new CityLedgerError(
        'CONFLICT',
        `the model registry holds its maximum of ${MAX_MODELS} active models: retire one first`,
      );
    }
    const approved: ApprovedModel = { kind: model.kind, thresholds: model.thresholds };
    const next: ModelSet = {
      models: { ...set.models, [ref]: status },
      approved: { ...set.approved, [ref]: approved },
    };
    await putJson(ctx, keys.modelSet(), next);
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
 * A model cited by a record or alert, if approved: listed active in the majority-endorsed set, and
 * then either with its copy there or present and active in its own entry. MODEL_NOT_APPROVED
 * otherwise.
 */
async function approvedIn(ctx: Context, set: ModelSet, id: string, version: string): Promise<ModelInForce> {
  const ref = modelRef(id, version);
  const copy = set.models[ref] === 'active' ? set.approved?.[ref] : undefined;
  if (copy !== undefined) {
    return { id, version, kind: copy.kind, thresholds: copy.thresholds };
  }
  const entry = checkApproved(set, ref, await findModel(ctx, id, version));
  return { id, version, kind: entry.kind, thresholds: entry.thresholds };
}

/** The model a record cites, if approved (see approvedIn). */
export async function requireApprovedModel(ctx: Context, id: string, version: string): Promise<ModelInForce> {
  return approvedIn(ctx, await getModelSet(ctx), id, version);
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
): Promise<ModelInForce> {
  const model = await approvedIn(ctx, set, id, version);
  if (model.kind !== kind) {
    throw new CityLedgerError(
      'MODEL_NOT_APPROVED',
      `model ${modelRef(id, version)} is registered as ${model.kind}, not ${kind}`,
    );
  }
  return model;
}
