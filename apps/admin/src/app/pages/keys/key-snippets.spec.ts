import { keySnippets } from './key-snippets';

describe('keySnippets', () => {
  const sut = (models: string[] = ['gpt-4o', 'mini']) =>
    Object.fromEntries(
      keySnippets({ baseUrl: 'https://gw.example.test/', secret: 'sk-abc', models }).map((s) => [
        s.id,
        s.code,
      ]),
    );

  it('fills in the base URL, the secret and the first model, for curl, Python and Node', () => {
    const { curl, python, node } = sut();
    expect(curl).toContain('curl https://gw.example.test/v1/chat/completions');
    expect(curl).toContain(`-H 'Authorization: Bearer sk-abc'`);
    expect(curl).toContain(`"model":"gpt-4o"`);
    expect(python).toContain('OpenAI(base_url="https://gw.example.test/v1", api_key="sk-abc")');
    expect(python).toContain('model="gpt-4o"');
    expect(node).toContain('baseURL: "https://gw.example.test/v1", apiKey: "sk-abc"');
    expect(node).toContain('model: "gpt-4o"');
    for (const code of [curl, python, node]) {
      expect(code).toContain('Models this key may call: gpt-4o, mini');
    }
  });

  it('quotes for the shell what could break out of it', () => {
    const [curl] = keySnippets({ baseUrl: 'http://x', secret: "sk-it's", models: ["o'neil"] });
    expect(curl.code).toContain(`'Authorization: Bearer sk-it'\\''s'`);
    expect(curl.code).toContain(`"model":"o'\\''neil"`);
  });

  it('says so when the key may call no known model', () => {
    expect(sut([]).python).toContain('model="MODEL_NAME"');
    expect(sut([]).python).toContain('No model found for this key');
  });
});
