// The baseline a user would otherwise write: Node's http module plus the `ws` package.
// POST /api/rtm.connect answers a ws:// URL, a socket gets {"type":"hello"}, and
// POST /api/chat.postMessage writes the message event to every connected socket (or, given a
// members file {"C123": ["xoxb-...", ...]}, to the sockets of the channel's members).
// Usage: node ws_server.js [members.json]; prints "ready PORT"; listens on 127.0.0.1 only.
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const { WebSocketServer, WebSocket } = require('ws');

const channelsOfToken = new Map(); // token -> channel ids
if (process.argv[2]) {
  for (const [channel, tokens] of Object.entries(JSON.parse(fs.readFileSync(process.argv[2])))) {
    for (const token of tokens) {
      if (!channelsOfToken.has(token)) channelsOfToken.set(token, []);
      channelsOfToken.get(token).push(channel);
    }
  }
}
const tickets = new Map(); // ticket -> token, used once
const members = new Map(); // channel id -> Set of sockets
let lastTicket = 0;
let lastTs = 0;

function args(req, body) {
  const type = req.headers['content-type'] || '';
  const parsed = type.startsWith('application/json')
    ? JSON.parse(body || '{}')
    : Object.fromEntries(new URLSearchParams(body));
  const auth = req.headers.authorization || '';
  if (auth.startsWith('Bearer ')) parsed.token = auth.slice(7);
  return parsed;
}

function reply(res, document) {
  const body = JSON.stringify(document);
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const a = args(req, Buffer.concat(chunks).toString());
    if (req.url === '/api/rtm.connect') {
      const ticket = String(++lastTicket);
      tickets.set(ticket, a.token);
      const url = `ws://127.0.0.1:${server.address().port}/websocket/${ticket}`;
      reply(res, { ok: true, url, team: { id: 'T0BENCH' }, self: { id: 'U0BENCH' } });
    } else if (req.url === '/api/chat.postMessage') {
      const ts = `${Math.floor(Date.now() / 1000)}.${String(++lastTs % 1e6).padStart(6, '0')}`;
      const message = { type: 'message', channel: a.channel, user: 'U0POSTER', text: a.text, ts };
      const data = JSON.stringify({ ...message, team: 'T0BENCH', event_ts: ts });
      const sockets = channelsOfToken.size ? members.get(a.channel) || [] : wss.clients;
      for (const ws of sockets) {
        if (ws.readyState === WebSocket.OPEN) ws.send(data);
      }
      reply(res, { ok: true, channel: a.channel, ts, message });
    } else {
      res.writeHead(404).end();
    }
  });
});

const wss = new WebSocketServer({ server });
wss.on('connection', (ws, req) => {
  const ticket = req.url.split('/').pop();
  const token = tickets.get(ticket);
  tickets.delete(ticket);
  for (const channel of channelsOfToken.get(token) || []) {
    if (!members.has(channel)) members.set(channel, new Set());
    members.get(channel).add(ws);
    ws.on('close', () => members.get(channel).delete(ws));
  }
  ws.send('{"type":"hello"}');
});

server.listen({ host: '127.0.0.1', port: 0, backlog: 8192 }, () => {
  console.log(`ready ${server.address().port}`);
});
