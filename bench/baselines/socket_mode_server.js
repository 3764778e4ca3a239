// W6's baseline, what a user would otherwise write for Socket Mode: Node's http module plus
// the `ws` package. POST /api/apps.connections.open answers a ws:// URL with a ticket, a
// socket gets a hello frame, and POST /api/chat.postMessage turns the message into one
// events_api envelope (a fresh envelope_id, an event_callback payload) written to the next
// of the open sockets in turn; the envelope waits for its acknowledgement
// ({"envelope_id": ...} from any socket) and is sent to the next socket, retry_attempt one
// higher, if none comes within 3 s (at most 3 times), as Slackline's hub does.
// GET /stats answers {sent, acknowledged, retried, dropped, in_flight, connections}.
// Usage: node socket_mode_server.js; prints "ready PORT"; listens on 127.0.0.1 only.
'use strict';
const crypto = require('node:crypto');
const http = require('node:http');
const { WebSocketServer, WebSocket } = require('ws');

const ACK_MS = 3000;
const MAX_RETRIES = 3;
const APP_ID = 'A0BENCHSM';
const TEAM_ID = 'T0BENCH';
const BOT_USER = 'U0SMAPP';

const tickets = new Set(); // used once
const sockets = []; // the app's open connections
const inFlight = new Map(); // envelope_id -> {payload, attempt, timer}
const stats = { sent: 0, acknowledged: 0, retried: 0, dropped: 0 };
let lastTicket = 0;
let lastTs = 0;
let lastEvent = 0;
let turn = 0;

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

function send(id, flight) {
  const open = sockets.filter((ws) => ws.readyState === WebSocket.OPEN);
  if (open.length) {
    const envelope = {
      envelope_id: id,
      payload: flight.payload,
      type: 'events_api',
      accepts_response_payload: false,
      retry_attempt: flight.attempt,
      retry_reason: flight.attempt ? 'timeout' : '',
    };
    open[turn++ % open.length].send(JSON.stringify(envelope));
    stats.sent++;
  }
  flight.timer = setTimeout(() => timedOut(id), ACK_MS);
}

function timedOut(id) {
  const flight = inFlight.get(id);
  if (!flight) return;
  if (flight.attempt >= MAX_RETRIES) {
    inFlight.delete(id);
    stats.dropped++;
    return;
  }
  flight.attempt++;
  stats.retried++;
  send(id, flight);
}

function post(a) {
  const ts = `${Math.floor(Date.now() / 1000)}.${String(++lastTs % 1e6).padStart(6, '0')}`;
  const message = { type: 'message', channel: a.channel, user: 'U0POSTER', text: a.text, ts };
  const payload = {
    token: 'verification',
    team_id: TEAM_ID,
    api_app_id: APP_ID,
    event: { ...message, team: TEAM_ID, event_ts: ts, channel_type: 'channel' },
    type: 'event_callback',
    event_id: `Ev${String(++lastEvent).padStart(10, '0')}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      { enterprise_id: null, team_id: TEAM_ID, user_id: BOT_USER, is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: false,
    event_context: `bench-${lastEvent}`,
  };
  const flight = { payload, attempt: 0, timer: null };
  const id = crypto.randomUUID();
  inFlight.set(id, flight);
  send(id, flight);
  return { ok: true, channel: a.channel, ts, message };
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const a = args(req, Buffer.concat(chunks).toString());
    if (req.url === '/api/apps.connections.open') {
      const ticket = String(++lastTicket);
      tickets.add(ticket);
      const url = `ws://127.0.0.1:${server.address().port}/link/?ticket=${ticket}&app_id=${APP_ID}`;
      reply(res, { ok: true, url });
    } else if (req.url === '/api/chat.postMessage') {
      reply(res, post(a));
    } else if (req.url === '/stats') {
      reply(res, { ...stats, in_flight: inFlight.size, connections: sockets.length });
    } else {
      res.writeHead(404).end();
    }
  });
});

const wss = new WebSocketServer({ server });
wss.on('connection', (ws, req) => {
  const ticket = new URL(req.url, 'http://127.0.0.1').searchParams.get('ticket');
  if (!tickets.delete(ticket) || sockets.length >= 10) {
    ws.close(1008, 'invalid ticket');
    return;
  }
  sockets.push(ws);
  ws.on('close', () => sockets.splice(sockets.indexOf(ws), 1));
  ws.on('message', (data) => {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    const flight = frame && inFlight.get(frame.envelope_id);
    if (!flight) return;
    clearTimeout(flight.timer);
    inFlight.delete(frame.envelope_id);
    stats.acknowledged++;
  });
  ws.send(JSON.stringify({
    type: 'hello',
    num_connections: sockets.length,
    debug_info: { host: 'node-baseline', approximate_connection_time: 3600 },
    connection_info: { app_id: APP_ID },
  }));
});

server.listen({ host: '127.0.0.1', port: 0, backlog: 8192 }, () => {
  console.log(`ready ${server.address().port}`);
});
