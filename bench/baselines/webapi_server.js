// W7's baseline: what a user would otherwise write for a Slack-like Web API on SQLite.
// Node's http module plus better-sqlite3 (synchronous calls on the one thread), on a copy of
// the database file Slackline runs on (the same schema, tables and FTS triggers), in WAL
// mode with the same synchronous setting. Serves chat.postMessage, conversations.history,
// users.info and conversations.list with Slack-shaped answers; a bearer token (or a
// `token` argument) is checked by its HMAC-SHA256 under the installation secret against
// the tokens table, as Slackline stores it.
//
// Usage: node webapi_server.js DB_FILE SECRET_FILE [SYNCHRONOUS]
//   prints "ready PORT"; listens on 127.0.0.1 only; SYNCHRONOUS defaults to NORMAL.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const Database = require('better-sqlite3');

const [dbFile, secretFile, synchronous = 'NORMAL'] = process.argv.slice(2);
if (!dbFile || !secretFile || !['OFF', 'NORMAL', 'FULL', 'EXTRA'].includes(synchronous)) {
  console.error('usage: node webapi_server.js DB_FILE SECRET_FILE [OFF|NORMAL|FULL|EXTRA]');
  process.exit(2);
}
const MAX_BODY_BYTES = 1 << 20;
const MAX_LIMIT = 1000;
const HISTORY_DEFAULT_LIMIT = 100;
const LIST_DEFAULT_LIMIT = 100;
const MAX_TS = '9999999999.999999';
const secret = Buffer.from(fs.readFileSync(secretFile, 'utf8').trim(), 'hex');

const db = new Database(dbFile);
db.pragma('busy_timeout = 5000');
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${synchronous}`);
db.pragma('foreign_keys = ON');

const MESSAGE_COLUMNS =
  'conversation_id, ts, team_id, user_id, bot_id, text, subtype, thread_ts, edited, extra';
const sql = {
  identity: db.prepare(
    'SELECT t.team_id, t.user_id, t.revoked, t.expires_at, u.bot_id, u.deleted ' +
      'FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?',
  ),
  conversation: db.prepare('SELECT * FROM conversations WHERE id = ?'),
  isMember: db.prepare('SELECT 1 FROM members WHERE conversation_id = ? AND user_id = ?'),
  countMembers: db.prepare('SELECT COUNT(*) AS n FROM members WHERE conversation_id = ?'),
  lastTs: db.prepare('SELECT last_ts FROM conversations WHERE id = ?'),
  setLastTs: db.prepare('UPDATE conversations SET last_ts = ? WHERE id = ?'),
  insertMessage: db.prepare(
    `INSERT INTO messages (${MESSAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ),
  history: db.prepare(
    `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND ts > ? AND ts < ? ` +
      "AND (thread_ts IS NULL OR thread_ts = ts OR subtype = 'thread_broadcast') " +
      'ORDER BY ts DESC LIMIT ?',
  ),
  reactions: db.prepare(
    'SELECT ts, name, user_id FROM reactions WHERE conversation_id = ? AND ts >= ? AND ts <= ? ' +
      'ORDER BY seq',
  ),
  user: db.prepare('SELECT * FROM users WHERE id = ? AND team_id = ?'),
  listChannels: db.prepare(
    'SELECT * FROM conversations WHERE team_id = ? AND id > ? AND is_im = 0 AND is_mpim = 0 ' +
      'AND is_private = 0 AND (? = 0 OR is_archived = 0) ORDER BY id LIMIT ?',
  ),
};

// ts are microseconds since the epoch as fixed-width text; 1.8e15 is well within 2^53.
function tsToMicros(ts) {
  const [seconds, fraction] = ts.split('.');
  return Number(seconds) * 1e6 + Number(fraction);
}
function microsToTs(micros) {
  return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
}
function nowMicros() {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

// The post's write transaction, as Slackline's: BEGIN IMMEDIATE, the conversation's last
// ts, the row (the FTS trigger indexes it), the new last ts, COMMIT.
const storeMessage = db
  .transaction((channel, teamId, userId, botId, text) => {
    const row = sql.lastTs.get(channel);
    let micros = nowMicros();
    if (row.last_ts) micros = Math.max(micros, tsToMicros(row.last_ts) + 1);
    const ts = microsToTs(micros);
    sql.insertMessage.run(channel, ts, teamId, userId, botId, text, null, null, null, '{}');
    sql.setLastTs.run(ts, channel);
    return ts;
  })
  .immediate;

class ApiError extends Error {}

function authenticate(req, args) {
  const header = req.headers.authorization || '';
  const token = header.startsWith('Bearer ') ? header.slice(7) : args.get('token');
  if (!token) throw new ApiError('not_authed');
  const hash = crypto.createHmac('sha256', secret).update(token).digest('hex');
  const found = sql.identity.get(hash);
  const expired = found && found.expires_at !== null && found.expires_at * 1000 < Date.now();
  if (!found || found.revoked || found.deleted || expired) throw new ApiError('invalid_auth');
  return found;
}

// A channel the caller may read or post to: in the team, and public or theirs.
function visibleChannel(identity, channel) {
  const conversation = channel && sql.conversation.get(channel);
  if (!conversation || conversation.team_id !== identity.team_id) {
    throw new ApiError('channel_not_found');
  }
  const member = Boolean(sql.isMember.get(conversation.id, identity.user_id));
  if (!member && (conversation.is_private || conversation.is_im || conversation.is_mpim)) {
    throw new ApiError('channel_not_found');
  }
  return { conversation, member };
}

function messageObject(row, reactions) {
  const message = { type: 'message', text: row.text, user: row.user_id, ts: row.ts };
  if (row.bot_id) message.bot_id = row.bot_id;
  if (row.subtype) message.subtype = row.subtype;
  if (row.thread_ts) message.thread_ts = row.thread_ts;
  if (row.edited) message.edited = JSON.parse(row.edited);
  Object.assign(message, JSON.parse(row.extra));
  message.team = row.team_id;
  const mine = reactions.get(row.ts);
  if (mine) message.reactions = [...mine.values()];
  return message;
}

function limitOf(args, fallback) {
  const value = Number.parseInt(args.get('limit') || '', 10);
  if (!Number.isFinite(value) || value <= 0) return fallback;
  return Math.min(value, MAX_LIMIT);
}

function postMessage(identity, args) {
  const channel = args.get('channel');
  const text = args.get('text');
  const { conversation } = visibleChannel(identity, channel);
  if (!text) throw new ApiError('no_text');
  if (conversation.is_archived) throw new ApiError('is_archived');
  const ts = storeMessage(conversation.id, identity.team_id, identity.user_id, identity.bot_id, text);
  const message = { type: 'message', text, user: identity.user_id, ts };
  if (identity.bot_id) message.bot_id = identity.bot_id;
  message.team = identity.team_id;
  return { ok: true, channel: conversation.id, ts, message };
}

function history(identity, args) {
  const { conversation, member } = visibleChannel(identity, args.get('channel'));
  if (!member && conversation.is_private) throw new ApiError('not_in_channel');
  const limit = limitOf(args, HISTORY_DEFAULT_LIMIT);
  const oldest = args.get('oldest') || '0000000000.000000';
  const latest = args.get('latest') || MAX_TS;
  const rows = sql.history.all(conversation.id, oldest, latest, limit + 1);
  const hasMore = rows.length > limit;
  if (hasMore) rows.length = limit;
  const reactions = new Map();
  if (rows.length) {
    const span = [rows[rows.length - 1].ts, rows[0].ts];
    for (const r of sql.reactions.all(conversation.id, ...span)) {
      const byName = reactions.get(r.ts) || new Map();
      const entry = byName.get(r.name) || { name: r.name, users: [], count: 0 };
      entry.users.push(r.user_id);
      entry.count += 1;
      byName.set(r.name, entry);
      reactions.set(r.ts, byName);
    }
  }
  const cursor = hasMore ? Buffer.from(`next_ts:${rows[rows.length - 1].ts}`).toString('base64') : '';
  return {
    ok: true,
    messages: rows.map((row) => messageObject(row, reactions)),
    has_more: hasMore,
    pin_count: 0,
    channel_actions_ts: null,
    channel_actions_count: 0,
    response_metadata: { next_cursor: cursor },
  };
}

// The default avatar Slackline gives everyone without a picture.
const AVATAR_BASE = 'https://a.slack-edge.com/80588/img/avatars/ava_0001';

function usersInfo(identity, args) {
  const row = sql.user.get(args.get('user') || '', identity.team_id);
  if (!row) throw new ApiError('user_not_found');
  const stored = JSON.parse(row.profile);
  const profile = {
    title: '', phone: '', skype: '', real_name: row.real_name,
    real_name_normalized: row.real_name, display_name: '', display_name_normalized: '',
    fields: {}, status_text: '', status_emoji: '', status_expiration: 0,
    avatar_hash: `g${row.id.toLowerCase()}`, first_name: row.real_name, last_name: '',
    team: row.team_id,
    ...stored,
  };
  for (const size of [24, 32, 48, 72, 192, 512]) profile[`image_${size}`] = `${AVATAR_BASE}-${size}.png`;
  if (row.is_bot && row.bot_id) {
    profile.bot_id = row.bot_id;
    profile.always_active = false;
  }
  return {
    ok: true,
    user: {
      id: row.id, team_id: row.team_id, name: row.name, deleted: Boolean(row.deleted),
      color: 'e0a729', real_name: row.real_name, tz: row.tz || 'America/Los_Angeles',
      tz_label: 'Pacific Standard Time', tz_offset: -28800, profile,
      is_admin: Boolean(row.is_admin), is_owner: Boolean(row.is_owner),
      is_primary_owner: false, is_restricted: false, is_ultra_restricted: false,
      is_bot: Boolean(row.is_bot), is_app_user: false, updated: row.updated,
    },
  };
}

function channelObject(c, isMember, members) {
  return {
    id: c.id, name: c.name, is_channel: true, is_group: false, is_im: false, is_mpim: false,
    is_private: Boolean(c.is_private), created: c.created, is_archived: Boolean(c.is_archived),
    is_general: Boolean(c.is_general), unlinked: 0, name_normalized: c.name, is_shared: false,
    is_org_shared: false, is_pending_ext_shared: false, pending_shared: [],
    context_team_id: c.team_id, updated: c.created * 1000, parent_conversation: null,
    creator: c.creator, is_ext_shared: false, shared_team_ids: [c.team_id],
    pending_connected_team_ids: [], is_member: isMember,
    topic: { value: c.topic, creator: c.topic_creator, last_set: c.topic_last_set },
    purpose: { value: c.purpose, creator: c.purpose_creator, last_set: c.purpose_last_set },
    previous_names: [], num_members: members,
  };
}

function conversationsList(identity, args) {
  const limit = limitOf(args, LIST_DEFAULT_LIMIT);
  const excludeArchived = args.get('exclude_archived') === 'true' ? 1 : 0;
  const cursor = args.get('cursor');
  const after = cursor ? Buffer.from(cursor, 'base64').toString().replace(/^id:/, '') : '';
  const rows = sql.listChannels.all(identity.team_id, after, excludeArchived, limit + 1);
  const hasMore = rows.length > limit;
  if (hasMore) rows.length = limit;
  const channels = rows.map((c) =>
    channelObject(
      c,
      Boolean(sql.isMember.get(c.id, identity.user_id)),
      sql.countMembers.get(c.id).n,
    ),
  );
  const next = hasMore ? Buffer.from(`id:${rows[rows.length - 1].id}`).toString('base64') : '';
  return { ok: true, channels, response_metadata: { next_cursor: next } };
}

const METHODS = {
  'chat.postMessage': postMessage,
  'conversations.history': history,
  'users.info': usersInfo,
  'conversations.list': conversationsList,
};

function argumentsOf(req, body) {
  const url = new URL(req.url, 'http://127.0.0.1');
  const args = url.searchParams;
  const type = (req.headers['content-type'] || '').split(';')[0].trim();
  if (type === 'application/json' && body.length) {
    for (const [key, value] of Object.entries(JSON.parse(body))) args.set(key, String(value));
  } else if (body.length) {
    for (const [key, value] of new URLSearchParams(body.toString())) args.set(key, value);
  }
  return { path: url.pathname, args };
}

function answer(res, document) {
  const body = JSON.stringify(document);
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

function handle(req, res, body) {
  let document;
  try {
    const { path, args } = argumentsOf(req, body);
    const method = METHODS[path.startsWith('/api/') ? path.slice(5) : ''];
    if (!method) throw new ApiError('unknown_method');
    document = method(authenticate(req, args), args);
  } catch (error) {
    if (!(error instanceof ApiError)) console.error(error);
    document = { ok: false, error: error instanceof ApiError ? error.message : 'internal_error' };
  }
  answer(res, document);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  });
  req.on('end', () => {
    if (size > MAX_BODY_BYTES) {
      answer(res, { ok: false, error: 'request_too_large' });
      return;
    }
    handle(req, res, Buffer.concat(chunks));
  });
});
server.keepAliveTimeout = 65_000;
server.listen({ host: '127.0.0.1', port: 0, backlog: 1024 }, () => {
  console.log(`ready ${server.address().port}`);
});
process.on('SIGINT', () => {
  server.close();
  db.close();
  process.exit(0);
});
