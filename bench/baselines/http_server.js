// The HTTP ceiling: Node's http module answering rtm.connect with a fixed body.
// Usage: node http_server.js; prints "ready PORT"; listens on 127.0.0.1 only.
'use strict';
const http = require('node:http');

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': body.length,
    });
    res.end(body);
  });
});
let body;
server.listen({ host: '127.0.0.1', port: 0, backlog: 8192 }, () => {
  const url = `ws://127.0.0.1:${server.address().port}/websocket/fixed`;
  body = Buffer.from(JSON.stringify({ ok: true, url, team: { id: 'T0BENCH' }, self: { id: 'U0BENCH' } }));
  console.log(`ready ${server.address().port}`);
});
