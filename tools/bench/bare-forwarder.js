// The ceiling for any Node.js gateway on this machine: node:http in, one undici Pool out, no
// auth, no limits, no accounting. Reads the body, POSTs it upstream, relays the answer.
'use strict';
const { createServer } = require('node:http');
const { Pool } = require('undici');

const upstream = process.env.UPSTREAM;
const pool = new Pool(upstream, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    pool
      .request({
        method: 'POST',
        path: `/v1${req.url.replace(/^\/v1/, '')}`,
        headers: { 'content-type': 'application/json' },
        body: Buffer.concat(chunks),
      })
      .then(async (up) => {
        const text = await up.body.text();
        res.writeHead(up.statusCode, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
        });
        res.end(text);
      })
      .catch(() => {
        res.writeHead(502);
        res.end();
      });
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
