import { isCrossSiteLogin } from './login-origin';

describe('isCrossSiteLogin (finding 21)', () => {
  const base = 'https://gatehouse.example.com';

  it.each([
    ['no browser headers (curl, scripts)', {}],
    ['the base URL origin', { origin: 'https://gatehouse.example.com', host: 'internal:4000' }],
    ['the request host', { origin: 'http://localhost:4000', host: 'localhost:4000' }],
    ['same-origin fetch metadata', { 'sec-fetch-site': 'same-origin' }],
    ['a typed URL', { 'sec-fetch-site': 'none' }],
  ])('allows %s', (_label, headers) => {
    expect(isCrossSiteLogin(headers, base)).toBe(false);
  });

  it.each([
    ['another origin', { origin: 'https://evil.example', host: 'gatehouse.example.com' }],
    ['a sibling subdomain', { origin: 'https://x.example.com', host: 'gatehouse.example.com' }],
    ['another port', { origin: 'https://gatehouse.example.com:8443', host: 'other:1' }],
    ['Origin: null', { origin: 'null', host: 'gatehouse.example.com' }],
    ['an Origin without Host', { origin: 'https://evil.example' }],
    ['cross-site fetch metadata', { 'sec-fetch-site': 'cross-site' }],
    [
      'cross-site metadata even with a matching Origin',
      { origin: base, 'sec-fetch-site': 'cross-site' },
    ],
  ])('refuses %s', (_label, headers) => {
    expect(isCrossSiteLogin(headers, base)).toBe(true);
  });
});
