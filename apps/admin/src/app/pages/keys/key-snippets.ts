export interface SnippetInput {
  /** Where the gateway is: the console's own origin (the API serves both). */
  baseUrl: string;
  secret: string;
  /** The models the key may call; the first one goes in the example call. */
  models: readonly string[];
}

export interface Snippet {
  id: 'curl' | 'python' | 'node';
  label: string;
  code: string;
}

/** A shell single-quoted string (a secret or model name may hold any printable character). */
const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** One example call each for curl, Python `openai` and Node `openai`, ready to paste. */
export function keySnippets({ baseUrl, secret, models }: SnippetInput): Snippet[] {
  const base = baseUrl.replace(/\/+$/, '');
  const model = models[0] ?? 'MODEL_NAME';
  const modelsNote = models.length
    ? `Models this key may call: ${models.join(', ')}`
    : 'No model found for this key: put a model name you may call';
  const body = JSON.stringify({ model, messages: [{ role: 'user', content: 'Hello!' }] });
  const js = JSON.stringify;
  return [
    {
      id: 'curl',
      label: 'curl',
      code: [
        `# ${modelsNote}`,
        `curl ${base}/v1/chat/completions \\`,
        `  -H 'Content-Type: application/json' \\`,
        `  -H ${shellQuote(`Authorization: Bearer ${secret}`)} \\`,
        `  -d ${shellQuote(body)}`,
      ].join('\n'),
    },
    {
      id: 'python',
      label: 'Python',
      code: [
        `# pip install openai`,
        `# ${modelsNote}`,
        `from openai import OpenAI`,
        ``,
        `client = OpenAI(base_url=${js(`${base}/v1`)}, api_key=${js(secret)})`,
        `response = client.chat.completions.create(`,
        `    model=${js(model)},`,
        `    messages=[{"role": "user", "content": "Hello!"}],`,
        `)`,
        `print(response.choices[0].message.content)`,
      ].join('\n'),
    },
    {
      id: 'node',
      label: 'Node.js',
      code: [
        `// npm install openai`,
        `// ${modelsNote}`,
        `import OpenAI from 'openai';`,
        ``,
        `const client = new OpenAI({ baseURL: ${js(`${base}/v1`)}, apiKey: ${js(secret)} });`,
        `const response = await client.chat.completions.create({`,
        `  model: ${js(model)},`,
        `  messages: [{ role: 'user', content: 'Hello!' }],`,
        `});`,
        `console.log(response.choices[0].message.content);`,
      ].join('\n'),
    },
  ];
}
