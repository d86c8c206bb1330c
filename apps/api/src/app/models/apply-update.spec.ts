import { plainToInstance } from 'class-transformer';
import { UpdateModelRequest } from '@gatehouse/shared/dto';
import { ModelEntity } from './model.entity';
import { applyUpdate } from './models.service';

function stored(): ModelEntity {
  return Object.assign(new ModelEntity(), {
    id: 'm-1',
    modelName: 'gpt-4o',
    providerModel: 'openai/gpt-4o',
    apiBase: 'https://up.example/v1',
    apiKeyEncrypted: 'v1.old',
    apiVersion: null,
    timeoutMs: 30_000,
    modelInfo: {
      input_cost_per_token: 0,
      output_cost_per_token: 0,
      cache: false,
      cache_ttl_seconds: null,
      rpm: 10,
    },
    createdAt: new Date('2026-01-01T00:00:00Z'),
    createdBy: 'admin',
  });
}

const request = (plain: object): UpdateModelRequest => plainToInstance(UpdateModelRequest, plain);
const encrypt = (key: string) => `v1.enc(${key})`;

describe('applyUpdate', () => {
  it('keeps every field not sent, the encrypted key included, and leaves the row as it was', () => {
    const row = stored();
    const next = applyUpdate(row, request({ model_info: { id: 'm-1' } }), encrypt);
    expect(next).toEqual(row);
    expect(next).not.toBe(row);
    expect(next.modelInfo).not.toBe(row.modelInfo);
  });

  it('changes what is sent: seconds to ms, router fields into model_info, a new key encrypted', () => {
    const next = applyUpdate(
      stored(),
      request({
        model_name: 'renamed',
        litellm_params: { timeout: 1.5, tpm: 1000, api_key: 'sk-new' },
        model_info: { id: 'm-1', cache: true },
      }),
      encrypt,
    );
    expect(next).toMatchObject({
      modelName: 'renamed',
      timeoutMs: 1500,
      apiKeyEncrypted: 'v1.enc(sk-new)',
      modelInfo: { rpm: 10, tpm: 1000, cache: true },
    });
  });

  it('null clears: prices back to the catalogue, api_base to the default, the key removed', () => {
    const next = applyUpdate(
      stored(),
      request({
        litellm_params: { api_base: null, api_key: null, timeout: null, rpm: null },
        model_info: { id: 'm-1', input_cost_per_token: null, output_cost_per_token: null },
      }),
      encrypt,
    );
    expect(next).toMatchObject({ apiBase: null, apiKeyEncrypted: null, timeoutMs: null });
    expect(next.modelInfo).toMatchObject({
      input_cost_per_token: null,
      output_cost_per_token: null,
      rpm: null,
    });
    expect(next.modelInfo).not.toHaveProperty('id');
  });
});
