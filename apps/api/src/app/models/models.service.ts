import type {
  DeleteModelRequest,
  DeleteModelResponse,
  ModelResponse,
  NewModelRequest,
  UpdateModelRequest,
} from '@gatehouse/shared/dto';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ClusterBus, type ClusterChannel } from '../cluster/cluster-bus';
import { changedValues } from '../audit/audit-diff';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../common/auth/principal';
import { AppError } from '../common/errors/app-error';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { isUniqueViolation } from '../database/errors';
import { Transactions } from '../database/transactions';
import { loadConfigModels } from './config-models';
import { buildDeployment, providerParamsProblem } from './build-deployment';
import type { ModelDeployment } from './model-deployment';
import { ModelEntity, type StoredModelInfo } from './model.entity';
import { ModelRegistry } from './model-registry';
import { ModelsRepository } from './models.repository';
import { toModelResponse } from './model-response';
import { maskSecret, SecretBox } from './secret-box';

/** "The models table changed": every other instance rebuilds its registry from the database. */
export const MODELS_CHANNEL: ClusterChannel<{ kind: 'models.changed' }> = {
  name: 'gatehouse:models:changed',
  isMessage: (value): value is { kind: 'models.changed' } =>
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'models.changed',
};

@Injectable()
export class ModelsService implements OnModuleInit {
  private readonly logger = new Logger(ModelsService.name);
  private readonly box: SecretBox;
  private configModels: ModelDeployment[] = [];
  /** Refreshes run one after another, so an older read never replaces a newer one. */
  private refreshing: Promise<void> = Promise.resolve();

  constructor(
    private readonly models: ModelsRepository,
    private readonly registry: ModelRegistry,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly bus: ClusterBus,
    private readonly transactions: Transactions,
    private readonly audit: AuditService,
  ) {
    this.box = new SecretBox(config.encryptionKey ?? config.masterKey);
  }

  async onModuleInit(): Promise<void> {
    // `os.environ/NAME` references in CONFIG_FILE are resolved against the process
    // environment once, here at boot (a bad file stops the start with one clear line).
    this.configModels = this.config.configFile
      ? loadConfigModels(this.config.configFile, process.env)
      : [];
    this.bus.subscribe(MODELS_CHANNEL, () => this.refresh());
    this.bus.onResync(() => this.refresh());
    await this.refresh();
  }

  /** Rebuilds the in-memory registry from CONFIG_FILE models plus the database. */
  refresh(): Promise<void> {
    const next = this.refreshing.then(
      () => this.load(),
      () => this.load(),
    );
    this.refreshing = next;
    return next;
  }

  /** This instance changed the models table: reload here, then tell the others. */
  private async changed(): Promise<void> {
    await this.refresh();
    this.bus.publish(MODELS_CHANNEL, { kind: 'models.changed' });
  }

  private async load(): Promise<void> {
    const rows = await this.models.findAll();
    const fromDb = rows.flatMap((row) => {
      const deployment = this.toDeployment(row);
      return deployment ? [deployment] : [];
    });
    this.registry.replace([...this.configModels, ...fromDb]);
  }

  async create(principal: Principal, request: NewModelRequest): Promise<ModelResponse> {
    const id = request.model_info?.id ?? randomUUID();
    if (this.configModels.some((m) => m.id === id) || (await this.models.findById(id))) {
      throw AppError.conflict(`A model with id ${id} already exists`, 'model_info.id');
    }
    const params = request.litellm_params;
    const info = request.model_info;
    const problem = providerParamsProblem(params.model, params.api_base, params.api_version);
    if (problem) throw AppError.badRequest(problem.message, `litellm_params.${problem.param}`);
    const row = Object.assign(new ModelEntity(), {
      id,
      modelName: request.model_name,
      providerModel: params.model,
      apiBase: params.api_base ?? null,
      apiKeyEncrypted: params.api_key ? this.box.encrypt(params.api_key) : null,
      apiVersion: params.api_version ?? null,
      timeoutMs: params.timeout !== undefined ? Math.round(params.timeout * 1000) : null,
      // Prices not given stay unset: the catalogue prices them at every load.
      modelInfo: {
        input_cost_per_token: info?.input_cost_per_token ?? null,
        output_cost_per_token: info?.output_cost_per_token ?? null,
        cache_read_input_token_cost: info?.cache_read_input_token_cost ?? null,
        cache_creation_input_token_cost: info?.cache_creation_input_token_cost ?? null,
        base_model: info?.base_model ?? null,
        cache: info?.cache ?? false,
        cache_ttl_seconds: info?.cache_ttl_seconds ?? null,
        weight: params.weight ?? null,
        rpm: params.rpm ?? null,
        tpm: params.tpm ?? null,
      },
      createdAt: this.clock.now(),
      createdBy: principal.userId,
    });
    const deployment = this.toDeployment(row);
    if (!deployment) throw new Error('A model just stored cannot be read back');
    const response = toModelResponse(deployment, 'admin');
    await this.transactions.run(async () => {
      try {
        await this.models.insert(row);
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw AppError.conflict(`A model with id ${id} already exists`, 'model_info.id');
        }
        throw error;
      }
      // The upstream api_key only masked, as /model/info shows it.
      await this.audit.record({
        action: 'created',
        table_name: 'model',
        object_id: id,
        updated_values: { ...response },
      });
    });
    await this.changed();
    return response;
  }

  /**
   * LiteLLM's `/model/update`: only the fields sent change. The upstream key stays unless a new
   * one is sent; a price sent as null goes back to the catalogue. One audit row with the changed
   * fields only (the key masked, as `/model/info` shows it).
   */
  async update(request: UpdateModelRequest): Promise<ModelResponse> {
    const id = request.model_info.id;
    const row = await this.storedModel(id, 'model_info.id');
    const before = this.toDeployment(row);
    const next = applyUpdate(row, request, (key) => this.box.encrypt(key));
    const problem = providerParamsProblem(next.providerModel, next.apiBase, next.apiVersion);
    if (problem) throw AppError.badRequest(problem.message, `litellm_params.${problem.param}`);
    const after = this.toDeployment(next);
    if (!after) {
      // Only a stored key this instance cannot decrypt gets here (see toDeployment).
      throw AppError.badRequest(
        'The stored api_key of this model cannot be decrypted; send a new litellm_params.api_key',
        'litellm_params.api_key',
      );
    }
    const response = toModelResponse(after, 'admin');
    await this.transactions.run(async () => {
      await this.models.save(next);
      await this.audit.record({
        action: 'updated',
        table_name: 'model',
        object_id: id,
        ...modelChanges(before, after, request.litellm_params?.api_key !== undefined),
      });
    });
    await this.changed();
    return response;
  }

  /** A database model by id: config models are read-only (403), an unknown id is a 404. */
  private async storedModel(id: string, param: string): Promise<ModelEntity> {
    if (this.configModels.some((m) => m.id === id)) {
      throw new AppError(
        403,
        'permission_error',
        'Models from CONFIG_FILE are read-only; edit the file instead',
        param,
      );
    }
    const row = await this.models.findById(id);
    if (!row) throw AppError.notFound('Model', param);
    return row;
  }

  async delete(request: DeleteModelRequest): Promise<DeleteModelResponse> {
    const row = await this.storedModel(request.id, 'id');
    const deployment = this.toDeployment(row);
    await this.transactions.run(async () => {
      await this.models.deleteById(request.id);
      await this.audit.record({
        action: 'deleted',
        table_name: 'model',
        object_id: request.id,
        before_value: deployment ? { ...toModelResponse(deployment, 'admin') } : { id: request.id },
      });
    });
    await this.changed();
    return { id: request.id, deleted: true };
  }

  private toDeployment(row: ModelEntity): ModelDeployment | null {
    let apiKey: string | null = null;
    if (row.apiKeyEncrypted) {
      try {
        apiKey = this.box.decrypt(row.apiKeyEncrypted);
      } catch {
        this.logger.error(
          `Model ${row.id} (${row.modelName}): its api_key cannot be decrypted (was the master ` +
            'key or GATEHOUSE_ENCRYPTION_KEY changed?); the model is disabled',
        );
        return null;
      }
    }
    return buildDeployment({
      id: row.id,
      modelName: row.modelName,
      providerModel: row.providerModel,
      apiBase: row.apiBase,
      apiKey,
      apiVersion: row.apiVersion,
      timeoutMs: row.timeoutMs,
      weight: row.modelInfo.weight ?? null,
      rpm: row.modelInfo.rpm ?? null,
      tpm: row.modelInfo.tpm ?? null,
      info: row.modelInfo,
      source: 'db',
      createdAt: row.createdAt,
      createdBy: row.createdBy,
    });
  }
}

/** A stored model with an update's fields applied (a new object; `row` is left as it was). */
export function applyUpdate(
  row: ModelEntity,
  request: UpdateModelRequest,
  encrypt: (apiKey: string) => string,
): ModelEntity {
  const params = request.litellm_params ?? {};
  const pick = <T>(sent: T | undefined, stored: T): T => (sent === undefined ? stored : sent);
  const apiKey = params.api_key;
  const modelInfo: StoredModelInfo = { ...row.modelInfo };
  for (const [field, value] of Object.entries(request.model_info) as [string, unknown][]) {
    if (field !== 'id' && value !== undefined) Object.assign(modelInfo, { [field]: value });
  }
  for (const field of ['weight', 'rpm', 'tpm'] as const) {
    if (params[field] !== undefined) modelInfo[field] = params[field];
  }
  return Object.assign(new ModelEntity(), row, {
    modelName: pick(request.model_name, row.modelName),
    providerModel: pick(params.model, row.providerModel),
    apiBase: pick(params.api_base, row.apiBase),
    apiKeyEncrypted:
      apiKey === undefined ? row.apiKeyEncrypted : apiKey === null ? null : encrypt(apiKey),
    apiVersion: pick(params.api_version, row.apiVersion),
    timeoutMs:
      params.timeout === undefined
        ? row.timeoutMs
        : params.timeout === null
          ? null
          : Math.round(params.timeout * 1000),
    modelInfo,
  });
}

/**
 * The audit values of an update: per section (`model_name`, `litellm_params`, `model_info`)
 * only the fields that changed. A new key with the same last four characters still shows as
 * changed (its masked form alone would hide it).
 */
function modelChanges(
  before: ModelDeployment | null,
  after: ModelDeployment,
  keySent: boolean,
): { before_value: Record<string, unknown>; updated_values: Record<string, unknown> } {
  const was = before ? toModelResponse(before, 'admin') : null;
  const now = toModelResponse(after, 'admin');
  const out = {
    before_value: {} as Record<string, unknown>,
    updated_values: {} as Record<string, unknown>,
  };
  if (was?.model_name !== now.model_name) {
    out.before_value['model_name'] = was?.model_name ?? null;
    out.updated_values['model_name'] = now.model_name;
  }
  for (const section of ['litellm_params', 'model_info'] as const) {
    const diff = changedValues({ ...was?.[section] }, { ...now[section] });
    if (section === 'litellm_params' && keySent && before?.apiKey !== after.apiKey) {
      diff.before_value = { ...diff.before_value, api_key: maskSecret(before?.apiKey ?? null) };
      diff.updated_values = { ...diff.updated_values, api_key: now.litellm_params.api_key };
    }
    if (diff.updated_values && Object.keys(diff.updated_values).length > 0) {
      out.before_value[section] = diff.before_value;
      out.updated_values[section] = diff.updated_values;
    }
  }
  return out;
}
