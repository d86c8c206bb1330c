import { AppError } from '../errors/app-error';
import { MAX_FORM_PARAMETERS, parseFormBody } from './form-body';

describe('parseFormBody', () => {
  it('reads a form as a flat object', () => {
    expect(parseFormBody('username=a%40b.c&password=x+y')).toEqual({
      username: 'a@b.c',
      password: 'x y',
    });
  });

  it('refuses more than MAX_FORM_PARAMETERS fields with a 400', () => {
    const fields = (n: number): string => Array.from({ length: n }, (_, i) => `f${i}=1`).join('&');
    expect(Object.keys(parseFormBody(fields(MAX_FORM_PARAMETERS)))).toHaveLength(
      MAX_FORM_PARAMETERS,
    );
    expect(() => parseFormBody(fields(MAX_FORM_PARAMETERS + 1))).toThrow(AppError);
    try {
      parseFormBody(fields(MAX_FORM_PARAMETERS + 1));
    } catch (error) {
      expect(error).toMatchObject({ status: 400, code: 'form_too_many_fields' });
    }
  });
});
