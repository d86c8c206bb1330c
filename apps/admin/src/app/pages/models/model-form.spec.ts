import { aModel } from '../../../testing/factories';
import { fieldOfParam, modelFormValue, updateRequest } from './model-form';

describe('model form', () => {
  const before = modelFormValue(aModel());

  it('fills prices only when they were set on the model (else: empty = price list)', () => {
    expect(before).toMatchObject({ input_cost: 0.0000025, output_cost: 0.00001, api_key: '' });
    expect(modelFormValue(aModel({ price_source: 'catalogue' }))).toMatchObject({
      input_cost: null,
      output_cost: null,
    });
  });

  it('sends nothing but the id when nothing changed (the key is kept)', () => {
    expect(updateRequest('m-1', before, { ...before })).toEqual({ model_info: { id: 'm-1' } });
  });

  it('sends only the changed fields; cleared values as null', () => {
    expect(
      updateRequest('m-1', before, {
        ...before,
        model_name: ' renamed ',
        api_base: ' ',
        api_key: 'sk-new',
        input_cost: null,
        rpm: '60' as unknown as number,
        cache: true,
      }),
    ).toEqual({
      model_name: 'renamed',
      litellm_params: { api_base: null, api_key: 'sk-new', rpm: 60 },
      model_info: { id: 'm-1', input_cost_per_token: null, cache: true },
    });
  });

  it('maps the API error param to its field', () => {
    expect(fieldOfParam('litellm_params.api_version')).toBe('api_version');
    expect(fieldOfParam('model_info.output_cost_per_token')).toBe('output_cost');
    expect(fieldOfParam('model_info.id')).toBeNull();
    expect(fieldOfParam(null)).toBeNull();
  });
});
