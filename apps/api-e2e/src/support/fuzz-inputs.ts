import fc from 'fast-check';

/**
 * Hostile inputs for the fuzz suite (fuzz.e2e-spec.ts), as fast-check arbitraries.
 *
 * Bodies are JSON *trees*, not JS values, so that fast-check can shrink them and we can write
 * what `JSON.stringify` cannot: number literals that overflow (`1e400` parses to Infinity),
 * `-0`, duplicate keys and own `__proto__` / `constructor` keys. Deep nesting, wide objects and
 * long strings are nodes of their own, so a shrunk counterexample prints as `<deep [×200>`
 * rather than as 200 brackets.
 */
export type Json =
  | { k: 'raw'; text: string }
  | { k: 'arr'; items: Json[] }
  | { k: 'obj'; entries: [string, Json][] }
  | { k: 'deep'; depth: number; open: '[' | '{' }
  | { k: 'wide'; keys: number }
  | { k: 'long'; length: number; unit: string };

/** The subset of an OpenAPI schema the generators read. */
export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
}

/** Real values of the test's world, so that some inputs get past validation into the services. */
export interface Pool {
  /** Values by field name (`user_id`, `team_id`, `key`, `model`, `invitation_id`, …). */
  byName: Record<string, string[]>;
  schemas: Record<string, Schema>;
}

export const raw = (text: string): Json => ({ k: 'raw', text });
export const lit = (value: unknown): Json => raw(JSON.stringify(value));

/** Serialises a tree to the exact body text sent. */
export function jsonText(j: Json): string {
  switch (j.k) {
    case 'raw':
      return j.text;
    case 'arr':
      return `[${j.items.map(jsonText).join(',')}]`;
    case 'obj':
      return `{${j.entries.map(([key, v]) => `${JSON.stringify(key)}:${jsonText(v)}`).join(',')}}`;
    case 'deep':
      return j.open === '['
        ? `${'['.repeat(j.depth)}${']'.repeat(j.depth)}`
        : `${'{"a":'.repeat(j.depth)}null${'}'.repeat(j.depth)}`;
    case 'wide': {
      const parts: string[] = [];
      for (let i = 0; i < j.keys; i++) parts.push(`"k${i}":${i}`);
      return `{${parts.join(',')}}`;
    }
    case 'long':
      return JSON.stringify(j.unit.repeat(j.length));
  }
}

/** A short human form of a tree, for failure reports. */
export function describeJson(j: Json, budget = 400): string {
  const text = (() => {
    switch (j.k) {
      case 'raw':
        return j.text.length > 80 ? `${j.text.slice(0, 80)}…(${j.text.length})` : j.text;
      case 'arr':
        return `[${j.items.map((i) => describeJson(i, budget)).join(',')}]`;
      case 'obj':
        return `{${j.entries.map(([key, v]) => `${JSON.stringify(key)}:${describeJson(v, budget)}`).join(',')}}`;
      case 'deep':
        return `<deep ${j.open}×${j.depth}>`;
      case 'wide':
        return `<object with ${j.keys} keys>`;
      case 'long':
        return `<string ${JSON.stringify(j.unit)}×${j.length}>`;
    }
  })();
  return text.length > budget ? `${text.slice(0, budget)}…` : text;
}

// ---------------------------------------------------------------------------------------------
// Scalars

const NUMBER_LITERALS = [
  '1e308',
  '-1e308',
  '1e400', // Infinity once parsed
  '-1e400',
  '1e-400',
  '-0',
  '-1',
  '0',
  '0.5',
  '1e20',
  '2147483648',
  '9007199254740993',
  '123456789012345678901234567890',
];

const STRINGS = [
  '',
  ' ',
  'NaN',
  'Infinity',
  '-1',
  '1e20',
  '1e400',
  'null',
  'true',
  '[]',
  '{}',
  '\u0000',
  '\ud800', // lone surrogates: not representable in UTF-8 nor in PostgreSQL text
  '\udfff',
  'x\ud83dy',
  '\u202e\u0301💥',
  "' OR '1'='1' --",
  '"; DROP TABLE users; --',
  '../../../../etc/passwd',
  '%00',
  '%2e%2e%2f',
  '<script>alert(1)</script>',
  '${7*7}{{7*7}}',
  'sk-',
  'sk-x',
  `sk-${'A'.repeat(600)}`,
  '__proto__',
  'constructor',
  'prototype',
  'admin',
  'proxy_admin',
  '0s',
  '1s',
  '-1d',
  '99999999999999999mo',
  '2026-02-30',
  '9999-12-31',
  '0000-01-01',
  '1970-01-01T00:00:00Z',
  '+275760-09-13T00:00:00.001Z',
  'not-an-email',
  `${'a'.repeat(300)}@example.com`,
  'a@b',
  'file:///etc/passwd',
  'openai/',
  `openai/${'x'.repeat(300)}`,
];

const LONG_UNITS = ['a', '\ud800', 'é', '💥', '\\', '"', ' '];

function numberNode(n: number): Json {
  if (Number.isNaN(n)) return lit('NaN');
  if (!Number.isFinite(n)) return raw(n > 0 ? '1e400' : '-1e400');
  return raw(String(n));
}

const longString = fc
  .record({
    length: fc.oneof(fc.integer({ min: 257, max: 5_000 }), fc.integer({ min: 5_000, max: 50_000 })),
    unit: fc.constantFrom(...LONG_UNITS),
  })
  .map(({ length, unit }): Json => ({ k: 'long', length, unit }));

export const hostileScalar: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NUMBER_LITERALS).map(raw) },
  { weight: 6, arbitrary: fc.constantFrom(...STRINGS).map(lit) },
  { weight: 2, arbitrary: fc.constantFrom(null, true, false).map(lit) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }).map(lit) },
  { weight: 2, arbitrary: fc.double().map(numberNode) },
  { weight: 1, arbitrary: fc.integer().map(lit) },
  { weight: 1, arbitrary: longString },
);

// ---------------------------------------------------------------------------------------------
// Structures

/** Keys that poison prototypes or confuse naive merges. */
export const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
];

const deepNode = fc
  .record({
    depth: fc.oneof(fc.constant(200), fc.integer({ min: 20, max: 3_000 })),
    open: fc.constantFrom<'[' | '{'>('[', '{'),
  })
  .map(({ depth, open }): Json => ({ k: 'deep', depth, open }));

const wideNode = fc
  .oneof(fc.integer({ min: 100, max: 2_000 }), fc.integer({ min: 2_000, max: 20_000 }))
  .map((keys): Json => ({ k: 'wide', keys }));

/** Any JSON at all, hostile at every level. */
export function hostileJson(fieldNames: string[]): fc.Arbitrary<Json> {
  const key = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...fieldNames, 'x') },
    { weight: 1, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  );
  const { tree } = fc.letrec<{ tree: Json }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 6, arbitrary: hostileScalar },
      {
        weight: 2,
        arbitrary: fc
          .array(tie('tree'), { maxLength: 4 })
          .map((items): Json => ({ k: 'arr', items })),
      },
      {
        weight: 2,
        arbitrary: fc
          .array(fc.tuple(key, tie('tree')), { maxLength: 5 })
          .map((entries): Json => ({ k: 'obj', entries })),
      },
      { weight: 1, arbitrary: deepNode },
      { weight: 1, arbitrary: wideNode },
    ),
  }));
  return tree;
}

// ---------------------------------------------------------------------------------------------
// Schema-shaped values: plausible enough to pass validation, with hostile edges

function resolve(schema: Schema, pool: Pool): Schema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.split('/').pop() ?? '';
  return pool.schemas[name] ?? {};
}

function numberFor(schema: Schema): fc.Arbitrary<Json> {
  const edges = [0, 1, -1, 0.5, 1e308, 2_000_000_001, 1e20];
  if (schema.minimum !== undefined) edges.push(schema.minimum, schema.minimum - 1);
  if (schema.maximum !== undefined) edges.push(schema.maximum, schema.maximum + 1);
  return fc.oneof(
    fc.constantFrom(...edges).map(numberNode),
    fc.integer({ min: 0, max: 1_000 }).map(lit),
    fc.constantFrom('1e400', '-0').map(raw),
  );
}

function stringFor(name: string, schema: Schema, pool: Pool): fc.Arbitrary<Json> {
  const known = pool.byName[name] ?? [];
  const minLength = schema.minLength ?? 0;
  const choices: fc.Arbitrary<Json>[] = [
    fc
      .string({ minLength, maxLength: Math.max(minLength, Math.min(schema.maxLength ?? 24, 24)) })
      .map(lit),
  ];
  if (known.length)
    choices.push(fc.constantFrom(...known).map(lit), fc.constantFrom(...known).map(lit));
  if (schema.format === 'email')
    choices.push(
      fc.emailAddress().map(lit),
      fc.constantFrom('victim@example.com', 'A@B.C', '\ud800@example.com').map(lit),
    );
  if (schema.format === 'uuid') choices.push(fc.uuid().map(lit));
  if (schema.maxLength !== undefined)
    choices.push(
      fc.constantFrom(schema.maxLength, schema.maxLength + 1).map((n) => lit('a'.repeat(n))),
    );
  if (schema.minLength !== undefined && schema.minLength > 0)
    choices.push(fc.constant(lit('a'.repeat(schema.minLength - 1))));
  if (/duration/.test(name) || name === 'grace_period')
    choices.push(
      fc.constantFrom('1s', '30s', '10m', '2h', '7d', '1mo', '0s', '999999999d').map(lit),
    );
  if (/date/.test(name))
    choices.push(
      fc
        .constantFrom('2026-01-01', '2026-12-01', '1900-01-01', '9999-12-31', '2026-13-01')
        .map(lit),
    );
  return fc.oneof(...choices);
}

/**
 * A value for `schema`: well-typed with edges (`1e308`, bounds ± 1, enum values, real ids), so
 * that it reaches the service; with `hostileRate` > 0, sometimes anything at all instead.
 */
export function shaped(
  name: string,
  schema: Schema,
  pool: Pool,
  depth = 0,
  hostileRate = 1,
): fc.Arbitrary<Json> {
  const s = resolve(schema, pool);
  const typed = ((): fc.Arbitrary<Json> => {
    if (s.enum?.length) return fc.constantFrom(...s.enum).map(lit);
    switch (s.type ?? 'object') {
      case 'string':
        return stringFor(name, s, pool);
      case 'number':
      case 'integer':
        return numberFor(s);
      case 'boolean':
        return fc.boolean().map(lit);
      case 'array':
        return fc
          .array(
            s.items
              ? shaped(name.replace(/s$/, ''), s.items, pool, depth + 1, hostileRate)
              : hostileScalar,
            { maxLength: 3 },
          )
          .map((items): Json => ({ k: 'arr', items }));
      case 'object':
      default:
        if (s.properties && depth < 3) return shapedObject(s, pool, depth + 1, hostileRate);
        return hostileJson(['a']);
    }
  })();
  if (!hostileRate) return typed;
  const hostile = depth > 2 ? hostileScalar : hostileJson(Object.keys(s.properties ?? {}));
  return fc.oneof({ weight: 4, arbitrary: typed }, { weight: hostileRate, arbitrary: hostile });
}

/** An object with any subset of the schema's properties, each shaped or hostile. */
export function shapedObject(
  schema: Schema,
  pool: Pool,
  depth = 0,
  hostileRate = 1,
): fc.Arbitrary<Json> {
  const s = resolve(schema, pool);
  const names = Object.keys(s.properties ?? {});
  if (!names.length) return hostileJson(['a']);
  const fields = names.map((name) =>
    fc.option(
      shaped(name, s.properties?.[name] ?? {}, pool, depth, hostileRate).map(
        (v): [string, Json] => [name, v],
      ),
      { freq: 2 },
    ),
  );
  return fc
    .tuple(...fields)
    .map((entries): Json => ({ k: 'obj', entries: entries.filter((e) => e !== null) }));
}

/** A request body for a route whose body schema is `schema`. */
export function hostileBody(schema: Schema, pool: Pool): fc.Arbitrary<Json> {
  const s = resolve(schema, pool);
  const names = Object.keys(s.properties ?? {});
  const base = shapedObject(s, pool);
  const withEntries = (extra: fc.Arbitrary<[string, Json][]>) =>
    fc.tuple(base, extra).map(([b, more]): Json => {
      const entries = b.k === 'obj' ? b.entries : [];
      return { k: 'obj', entries: [...entries, ...more] };
    });
  const someField = fc.constantFrom(...names, 'x');
  return fc.oneof(
    { weight: 4, arbitrary: base },
    // well-typed everywhere, edges only (1e308, bounds ± 1, real ids): reaches the services
    { weight: 4, arbitrary: shapedObject(s, pool, 0, 0) },
    // null on every field, and on every field but one
    {
      weight: 1,
      arbitrary: fc.constant<Json>({ k: 'obj', entries: names.map((n) => [n, lit(null)]) }),
    },
    { weight: 2, arbitrary: hostileJson(names) },
    // one field nested deep, made wide, or very long
    {
      weight: 2,
      arbitrary: withEntries(
        fc.tuple(someField, fc.oneof(deepNode, wideNode, longString)).map((e) => [e]),
      ),
    },
    // prototype keys beside real fields, at the top and one level down
    {
      weight: 1,
      arbitrary: withEntries(
        fc
          .array(
            fc.tuple(
              fc.constantFrom(...PROTOTYPE_KEYS),
              fc.oneof(
                hostileScalar,
                fc.constant<Json>({
                  k: 'obj',
                  entries: [
                    ['isAdmin', lit(true)],
                    ['user_role', lit('proxy_admin')],
                  ],
                }),
              ),
            ),
            { minLength: 1, maxLength: 3 },
          )
          .map((e) => e),
      ),
    },
    { weight: 1, arbitrary: fc.oneof(deepNode, wideNode) },
  );
}

/** Body text that is not the JSON its content type promises. */
export const malformedBody: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '{',
    '{"a":',
    '[1,2',
    '{"a":1}}',
    '\ufeff{}',
    'null',
    '"string"',
    '1e400',
    'a=1&b=2',
    '{"a":1 # comment\n}',
    '{"__proto__":{"x":1}}',
    '{"constructor":{"prototype":{"x":1}}}',
    '{"a":"\\ud800"}',
    '{"a":"\\u0000"}',
    '{"a":1,"a":2}',
    '\u0000',
  ),
  fc.string({ unit: 'binary', maxLength: 64 }),
);

// ---------------------------------------------------------------------------------------------
// Query strings: already-encoded `name=value` segments, joined with `&`

const RAW_QUERY_VALUES = [
  '',
  '1e20',
  '1e400',
  '-1',
  '0',
  'NaN',
  '0x10',
  '%zz',
  '%ED%A0%80', // a lone surrogate, percent-encoded as CESU
  '%00',
  '%C0%AF',
  '..%2F..%2F',
  '%F0%9F%92%A5',
  'null',
  'true',
  '[]',
  'sk-',
];

function queryValue(
  name: string,
  schema: Schema,
  pool: Pool,
  typedOnly = false,
): fc.Arbitrary<string> {
  const known = pool.byName[name] ?? [];
  const typed: fc.Arbitrary<string>[] = [fc.string({ maxLength: 16 }).map(encodeURIComponent)];
  if (schema.enum?.length) typed.push(fc.constantFrom(...schema.enum.map(String)));
  if (known.length) typed.push(fc.constantFrom(...known).map(encodeURIComponent));
  if (schema.type === 'number')
    typed.push(fc.constantFrom('1', '2', '100', '101', '1e20', '9007199254740993', '1.5', '-0'));
  if (/date/.test(name))
    typed.push(fc.constantFrom('2026-01-01', '2026-12-01', '0000-00-00', '99999-01-01'));
  if (typedOnly) return fc.oneof(...typed);
  return fc.oneof(
    { weight: 3, arbitrary: fc.oneof(...typed) },
    { weight: 2, arbitrary: fc.constantFrom(...RAW_QUERY_VALUES) },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 300, max: 30_000 }).map((n) => 'a'.repeat(n)),
    },
  );
}

/** Query parameters as OpenAPI lists them: `{name, schema}`. */
export interface QueryParam {
  name: string;
  schema: Schema;
}

export function hostileQuery(params: QueryParam[], pool: Pool): fc.Arbitrary<string> {
  const names = [...params.map((p) => p.name), 'x'];
  const schemaOf = (name: string) => params.find((p) => p.name === name)?.schema ?? {};
  const pair = fc
    .constantFrom(...names)
    .chain((name) =>
      fc
        .tuple(
          fc.constantFrom(
            name,
            `${name}[]`,
            `${name}[__proto__]`,
            `${name}[0]`,
            '__proto__',
            'constructor',
          ),
          queryValue(name, schemaOf(name), pool),
        )
        .map(([n, v]) => `${n.replace(/[[\]]/g, encodeURIComponent)}=${v}`),
    );
  // every parameter well-typed or absent, edges included (page=1e20): reaches the services
  const typedQuery = fc
    .tuple(
      ...params.map((p) =>
        fc.option(
          queryValue(p.name, p.schema, pool, true).map((v) => `${p.name}=${v}`),
          { freq: 2 },
        ),
      ),
    )
    .map((pairs) => pairs.filter((x) => x !== null).join('&'));
  return fc.oneof(
    { weight: 3, arbitrary: typedQuery },
    { weight: 3, arbitrary: fc.array(pair, { maxLength: 4 }).map((p) => p.join('&')) },
    // the same parameter twice (`a=1&a=2` arrives as an array)
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom(...names),
          fc.array(fc.constantFrom('1', '2', 'x', ''), { minLength: 2, maxLength: 3 }),
        )
        .map(([n, vs]) => vs.map((v) => `${n}=${v}`).join('&')),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom('', '&&&', '=', '==&=', `${names[0]}`, `${names[0]}=`),
    },
    // long: many parameters, or a long run of `?` (finding 3's redaction input)
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.integer({ min: 100, max: 20_000 }).map((n) => '?'.repeat(n)),
        fc
          .integer({ min: 50, max: 2_000 })
          .map((n) => Array.from({ length: n }, (_, i) => `p${i}=${i}`).join('&')),
      ),
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Headers

export const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'application/json;;;',
  'application/json, text/plain',
  'application/vnd.api+json',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=x',
  'text/plain',
  'text/xml',
  'application/octet-stream',
  '',
];

const HEX64 = 'ab'.repeat(32);

export const AUTHORIZATION_SHAPES = [
  'Bearer',
  'Bearer ',
  'Bearer  ',
  'Bearer sk-',
  'Bearer sk-x',
  `Bearer sk-${'a'.repeat(8_000)}`,
  `Bearer ${HEX64}`,
  'bearer sk-lowercase',
  'Bearer  sk-two-spaces',
  'Basic YWRtaW46YWRtaW4=',
  'Token sk-x',
  'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.',
  'Bearer sk-a, Bearer sk-b',
  'Bearer \u00ff\u00fe',
];

/** Extra headers; `withAuthorization` when the principal carries no Authorization of its own. */
export function hostileHeaders(withAuthorization: boolean): fc.Arbitrary<[string, string][]> {
  const header: fc.Arbitrary<[string, string]>[] = [
    fc
      .constantFrom(...AUTHORIZATION_SHAPES)
      .map((v): [string, string] => ['x-api-key', v.replace(/^\S+\s*/, '')]),
    fc
      .constantFrom('sk-', `sk-${'b'.repeat(5000)}`, HEX64)
      .map((v): [string, string] => ['api-key', v]),
    fc
      .oneof(
        fc.integer({ min: 1_000, max: 40_000 }).map((n) => `gatehouse_session=${'c'.repeat(n)}`),
        fc
          .integer({ min: 10, max: 1_500 })
          .map((n) => Array.from({ length: n }, (_, i) => `c${i}=${i}`).join('; ')),
        fc.constantFrom(
          'gatehouse_session=; XSRF-TOKEN=',
          '=;=;=',
          'gatehouse_session=%zz',
          `gatehouse_session=${HEX64}`,
        ),
      )
      .map((v): [string, string] => ['cookie', v]),
    fc.constantFrom('', 'x', 'a'.repeat(3000)).map((v): [string, string] => ['x-xsrf-token', v]),
    fc
      .constantFrom('null', 'https://evil.example', 'http://127.0.0.1:1')
      .map((v): [string, string] => ['origin', v]),
    fc
      .constantFrom('cross-site', 'same-origin', 'none', '???')
      .map((v): [string, string] => ['sec-fetch-site', v]),
    fc
      .constantFrom('1.2.3.4', 'garbage, , ,', `${'9.9.9.9, '.repeat(500)}1.1.1.1`)
      .map((v): [string, string] => ['x-forwarded-for', v]),
    fc
      .constantFrom('', 'a'.repeat(500), '../x', 'id with spaces')
      .map((v): [string, string] => ['x-request-id', v]),
    fc
      .constantFrom('text/event-stream', '*/*;q=2', 'application/xml', '')
      .map((v): [string, string] => ['accept', v]),
    fc
      .constantFrom('gzip;q=2', 'br, zstd, x', 'identity;q=0')
      .map((v): [string, string] => ['accept-encoding', v]),
  ];
  if (withAuthorization)
    header.push(
      fc.constantFrom(...AUTHORIZATION_SHAPES).map((v): [string, string] => ['authorization', v]),
    );
  return fc.array(fc.oneof(...header), { maxLength: 3 });
}
