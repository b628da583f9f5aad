import {
  CityLedgerError,
  EVENTS,
  LIMITS,
  type ModelEntry,
  parseJsonArgument,
  ROLES,
  parseModelSpec,
} from '@cityledger/core';
import { Context, Info, Returns, Transaction } from 'fabric-contract-api';
import { checkId, checkReason } from '../arguments';
import { CityLedgerContract } from '../base-contract';
import { getCaller, requireDataDepartmentRole, requireRole } from '../caller';
import { requireMajorityEndorsement } from '../ledger/endorsement';
import { keys } from '../ledger/keys';
import { emit, putJson, reply, txTime } from '../ledger/state';
import { findModel, getModelSet, listModelStatuses, modelRef, putModelStatus } from './model-store';

const MODEL_VERSION = /^\d{1,6}\.\d{1,6}\.\d{1,6}$/;

function checkVersion(version: string): void {
  if (typeof version !== 'string' || !MODEL_VERSION.test(version)) {
    throw new CityLedgerError('INVALID_ARGUMENT', `version must match ${MODEL_VERSION.source}`);
  }
}

/**
 * Registry of approved ONNX models. Every write touches the model set, whose key-level endorsement
 * policy needs the peers of a majority of department orgs (2 of 3).
 */
@Info({ title: 'ModelRegistryContract', description: 'Approved threat-scoring models' })
export class ModelRegistryContract extends CityLedgerContract {
  constructor() {
    super('models');
  }

  /** Registers a model version. Caller: admin or steward of a department org. */
  @Transaction()
  @Returns('string')
  public async registerModel(ctx: Context, model: string): Promise<string> {
    const spec = parseModelSpec(parseJsonArgument(model, 'model', LIMITS.maxArgumentBytes / 16));
    const department = requireDataDepartmentRole(getCaller(ctx), ['admin', 'steward'], 'registerModel');
    const ref = modelRef(spec.id, spec.version);
    const set = await getModelSet(ctx);
    if (set.models[ref] !== undefined || (await findModel(ctx, spec.id, spec.version)) !== undefined) {
      throw new CityLedgerError('ALREADY_EXISTS', `model ${ref} is already registered`);
    }
    const at = txTime(ctx);
    const entry: ModelEntry = { ...spec, status: 'active', registeredAt: at, registeredBy: department };
    const key = keys.model(spec.id, spec.version);
    await putJson(ctx, key, entry);
    await requireMajorityEndorsement(ctx, key);
    await putModelStatus(ctx, set, ref, entry);
    emit(ctx, {
      type: EVENTS.modelRegistered,
      txId: ctx.stub.getTxID(),
      at,
      modelId: spec.id,
      modelVersion: spec.version,
      status: 'active',
    });
    return reply(entry);
  }

  /** Retires a model version; records scored by it are rejected from then on. Caller: as registerModel. */
  @Transaction()
  @Returns('string')
  public async retireModel(ctx: Context, modelId: string, version: string, reason: string): Promise<string> {
    checkId(modelId, 'modelId');
    checkVersion(version);
    checkReason(reason);
    requireDataDepartmentRole(getCaller(ctx), ['admin', 'steward'], 'retireModel');
    const ref = modelRef(modelId, version);
    const model = await findModel(ctx, modelId, version);
    if (model === undefined) {
      throw new CityLedgerError('NOT_FOUND', `model ${ref} is not registered`);
    }
    if (model.status === 'retired') {
      throw new CityLedgerError('CONFLICT', `model ${ref} is already retired`);
    }
    const at = txTime(ctx);
    const entry: ModelEntry = { ...model, status: 'retired', retiredAt: at, retiredReason: reason };
    await putJson(ctx, keys.model(modelId, version), entry);
    await putModelStatus(ctx, await getModelSet(ctx), ref, entry);
    emit(ctx, {
      type: EVENTS.modelRetired,
      txId: ctx.stub.getTxID(),
      at,
      modelId,
      modelVersion: version,
      status: 'retired',
      reason,
    });
    return reply(entry);
  }

  /** One model version. Caller: any CityLedger identity. */
  @Transaction(false)
  @Returns('string')
  public async getModel(ctx: Context, modelId: string, version: string): Promise<string> {
    checkId(modelId, 'modelId');
    checkVersion(version);
    requireRole(getCaller(ctx), ROLES, 'getModel');
    const model = await findModel(ctx, modelId, version);
    if (model === undefined) {
      throw new CityLedgerError('NOT_FOUND', `model ${modelRef(modelId, version)} is not registered`);
    }
    return reply(model);
  }

  /** Every registered model version and its status (`{"models":{"id@version":"active"}}`). Caller: any. */
  @Transaction(false)
  @Returns('string')
  public async listModels(ctx: Context): Promise<string> {
    requireRole(getCaller(ctx), ROLES, 'listModels');
    return reply(await listModelStatuses(ctx));
  }
}
