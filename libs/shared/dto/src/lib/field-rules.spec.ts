import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import {
  Email,
  IsWellFormedText,
  MaxJsonDepth,
  MaxJsonSize,
  Metadata,
  Nullable,
  Optional,
  QueryInt,
  Text,
  isWellFormedText,
  jsonByteLength,
  jsonDepth,
} from './field-rules';

/** The constraint messages per failing property (as the API's validation pipe reports them). */
function errorsOf<T extends object>(cls: new () => T, plain: object): Record<string, string[]> {
  const errors = validateSync(plainToInstance(cls, plain), {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  return Object.fromEntries(errors.map((e) => [e.property, Object.values(e.constraints ?? {})]));
}

class Flags {
  @Optional()
  @Text(10)
  name?: string;

  @Nullable()
  @Text(10)
  alias?: string | null;
}

describe('Optional and Nullable', () => {
  it('Optional: absent passes, null is refused with "must not be null" first', () => {
    expect(errorsOf(Flags, {})).toEqual({});
    const { name } = errorsOf(Flags, { name: null });
    expect(name[0]).toBe('name must not be null');
  });

  it('Optional: a present value is still validated', () => {
    expect(errorsOf(Flags, { name: 'ok' })).toEqual({});
    expect(Object.keys(errorsOf(Flags, { name: 'far too long' }))).toEqual(['name']);
  });

  it('Nullable: absent and null pass, a present value is validated', () => {
    expect(errorsOf(Flags, { alias: null })).toEqual({});
    expect(Object.keys(errorsOf(Flags, { alias: 5 }))).toEqual(['alias']);
  });
});

describe('well-formed text', () => {
  it.each([
    ['plain', 'hello'],
    ['accents and emoji (surrogate pairs)', 'Zoë 🚀 \ud83d\ude80'],
    ['CJK', '東京'],
    ['tabs and newlines', 'a\tb\nc'],
    ['empty', ''],
  ])('accepts %s', (_label, value) => {
    expect(isWellFormedText(value)).toBe(true);
  });

  it.each([
    ['a lone high surrogate', '\ud800'],
    ['a high surrogate at the end', 'abc\udbff'],
    ['a lone low surrogate', '\udc00abc'],
    ['two high surrogates', '\ud800\ud800\udc00'],
    ['swapped pair', '\ude80\ud83d'],
    ['NUL', 'a\u0000b'],
  ])('refuses %s', (_label, value) => {
    expect(isWellFormedText(value)).toBe(false);
  });

  it('refuses non-strings', () => {
    expect(isWellFormedText(1)).toBe(false);
    expect(isWellFormedText(null)).toBe(false);
  });

  class Each {
    @IsWellFormedText({ each: true })
    names!: string[];
  }

  it('checks each item of a list', () => {
    expect(errorsOf(Each, { names: ['a', 'b'] })).toEqual({});
    expect(Object.keys(errorsOf(Each, { names: ['a', '\ud800'] }))).toEqual(['names']);
  });
});

describe('Email', () => {
  class Mail {
    @Email()
    user_email!: string;
  }

  it('accepts an address and refuses what is not one', () => {
    expect(errorsOf(Mail, { user_email: 'a@example.com' })).toEqual({});
    for (const bad of ['nope', 1, `${'a'.repeat(250)}@x.io`, 'a\u0000@x.io']) {
      expect(Object.keys(errorsOf(Mail, { user_email: bad }))).toEqual(['user_email']);
    }
  });

  it('refuses a lone surrogate instead of throwing (validator.js calls encodeURI)', () => {
    expect(() => errorsOf(Mail, { user_email: '\ud800@x.com' })).not.toThrow();
    expect(Object.keys(errorsOf(Mail, { user_email: '\ud800@x.com' }))).toEqual(['user_email']);
  });
});

describe('QueryInt', () => {
  class Paging {
    @Optional()
    @QueryInt(1, 10_000)
    page?: number;
  }

  it.each([
    ['1', 1],
    ['10000', 10_000],
    ['007', 7],
  ])('reads %j as %d', (text, value) => {
    const query = plainToInstance(Paging, { page: text });
    expect(query.page).toBe(value);
    expect(errorsOf(Paging, { page: text })).toEqual({});
  });

  it.each(['1e20', '1e2', '0x10', '1.5', '-1', '+1', ' 1', '', 'abc', 'Infinity', '0', '10001'])(
    'refuses %j',
    (text) => {
      expect(Object.keys(errorsOf(Paging, { page: text }))).toEqual(['page']);
    },
  );

  it('refuses a repeated parameter (a list)', () => {
    expect(Object.keys(errorsOf(Paging, { page: ['1', '2'] }))).toEqual(['page']);
  });
});

describe('JSON size and depth', () => {
  const nested = (levels: number): unknown =>
    JSON.parse('{"a":'.repeat(levels) + '1' + '}'.repeat(levels)) as unknown;

  it('measures depth without recursion, and stops early past the limit', () => {
    expect(jsonDepth(1)).toBe(0);
    expect(jsonDepth({})).toBe(1);
    expect(jsonDepth({ a: [1, { b: 2 }] })).toBe(3);
    expect(jsonDepth(nested(100_000))).toBe(100_000);
    expect(jsonDepth(nested(100_000), 8)).toBe(9);
  });

  it('measures UTF-8 bytes of the serialized value', () => {
    expect(jsonByteLength({ a: 'é' })).toBe('{"a":"é"}'.length + 1);
    expect(jsonByteLength(nested(100_000))).toBeNull();
  });

  class Sized {
    @MaxJsonSize(32)
    @MaxJsonDepth(3)
    value!: unknown;
  }

  it('MaxJsonSize and MaxJsonDepth name the field', () => {
    expect(errorsOf(Sized, { value: { a: [1] } })).toEqual({});
    expect(Object.keys(errorsOf(Sized, { value: { a: 'x'.repeat(40) } }))).toEqual(['value']);
    expect(Object.keys(errorsOf(Sized, { value: nested(4) }))).toEqual(['value']);
  });

  class WithMetadata {
    @Optional()
    @Metadata()
    metadata?: Record<string, unknown>;
  }

  it('Metadata: an object within 16 KB and 8 levels, with well-formed text', () => {
    expect(errorsOf(WithMetadata, { metadata: { team: 'x', tags: ['a'], n: { m: 1 } } })).toEqual(
      {},
    );
    expect(errorsOf(WithMetadata, { metadata: nested(8) })).toEqual({});
    for (const bad of [
      null,
      [],
      'x',
      nested(9),
      { blob: 'x'.repeat(16 * 1024) },
      { ['\ud800']: 1 },
      { a: ['ok', 'nul\u0000'] },
    ]) {
      expect(Object.keys(errorsOf(WithMetadata, { metadata: bad }))).toEqual(['metadata']);
    }
  });
});
