import type { ModelResponse, UpdateModelRequest } from '@gatehouse/shared/dto';

/** The edit dialog's fields; an empty text or a null number means "not set". */
export interface ModelFormValue {
  model_name: string;
  model: string;
  api_base: string;
  /** Empty: keep the stored key. */
  api_key: string;
  api_version: string;
  /** Null: the built-in price list. */
  input_cost: number | null;
  output_cost: number | null;
  timeout: number | null;
  rpm: number | null;
  tpm: number | null;
  cache: boolean;
}

export type ModelField = keyof ModelFormValue;

/** The API's `error.param` of each text field, so its error is shown next to it. */
const FIELD_PARAMS: Readonly<Record<Exclude<ModelField, 'cache'>, string>> = {
  model_name: 'model_name',
  model: 'litellm_params.model',
  api_base: 'litellm_params.api_base',
  api_key: 'litellm_params.api_key',
  api_version: 'litellm_params.api_version',
  input_cost: 'model_info.input_cost_per_token',
  output_cost: 'model_info.output_cost_per_token',
  timeout: 'litellm_params.timeout',
  rpm: 'litellm_params.rpm',
  tpm: 'litellm_params.tpm',
};

/** The field an API error names (`error.param`); null for any other param. */
export function fieldOfParam(param: string | null): Exclude<ModelField, 'cache'> | null {
  const found = Object.entries(FIELD_PARAMS).find(([, p]) => p === param);
  return found ? (found[0] as Exclude<ModelField, 'cache'>) : null;
}

/** The form as a model fills it; prices only when they were set on the model itself. */
export function modelFormValue(model: ModelResponse): ModelFormValue {
  const params = model.litellm_params;
  const info = model.model_info;
  const own = info.price_source === 'model_info';
  return {
    model_name: model.model_name,
    model: params.model,
    api_base: params.api_base ?? '',
    api_key: '',
    api_version: params.api_version ?? '',
    input_cost: own ? info.input_cost_per_token : null,
    output_cost: own ? info.output_cost_per_token : null,
    timeout: params.timeout,
    rpm: params.rpm,
    tpm: params.tpm,
    cache: info.cache,
  };
}

const text = (value: string): string | null => (value.trim() === '' ? null : value.trim());
const num = (value: number | string | null): number | null =>
  value === null || value === '' ? null : Number(value);

/**
 * `POST /model/update` with only what the form changed (the API keeps every field left out,
 * the upstream key included). A cleared price is sent as null: back to the price list.
 */
export function updateRequest(
  id: string,
  before: ModelFormValue,
  after: ModelFormValue,
): UpdateModelRequest {
  const request: UpdateModelRequest = { model_info: { id } };
  const params: NonNullable<UpdateModelRequest['litellm_params']> = {};
  if (after.model_name.trim() !== before.model_name) request.model_name = after.model_name.trim();
  if (after.model.trim() !== before.model) params.model = after.model.trim();
  for (const field of ['api_base', 'api_version'] as const) {
    if (text(after[field]) !== text(before[field])) params[field] = text(after[field]);
  }
  if (after.api_key !== '') params.api_key = after.api_key;
  for (const field of ['timeout', 'rpm', 'tpm'] as const) {
    if (num(after[field]) !== before[field]) params[field] = num(after[field]);
  }
  if (num(after.input_cost) !== before.input_cost) {
    request.model_info.input_cost_per_token = num(after.input_cost);
  }
  if (num(after.output_cost) !== before.output_cost) {
    request.model_info.output_cost_per_token = num(after.output_cost);
  }
  if (after.cache !== before.cache) request.model_info.cache = after.cache;
  if (Object.keys(params).length > 0) request.litellm_params = params;
  return request;
}
