// Drives the unmodified @slack/socket-mode SocketModeClient against a local Slackline, for
// tests/socket_mode/test_node_clients.py. Only the Web API URL differs from talking to Slack.
//
// Environment: SLACKLINE_BASE_URL (http://127.0.0.1:PORT; 127.0.0.1, not localhost, which
// Node may resolve to ::1 first) and SLACKLINE_APP_TOKEN (an xapp- token).
// Stdout: one JSON line per life-cycle change ({"status": ...}) and per envelope received
// ({"envelope": ...}, printed after the envelope was acknowledged). Logs go to stderr.
// Exits on SIGTERM (or SIGINT) after disconnecting.
'use strict';

const { SocketModeClient, LogLevel } = require('@slack/socket-mode');

function emit(fields) {
  process.stdout.write(`${JSON.stringify(fields)}\n`);
}

function setting(name) {
  const value = process.env[name];
  if (!value) {
    process.stderr.write(`${name} is not set\n`);
    process.exit(2);
  }
  return value;
}

// The library logs to the console by default; stdout belongs to the JSON lines.
let level = LogLevel.DEBUG;
let name = 'socket-mode';
const logger = {
  debug: (...msg) => level === LogLevel.DEBUG && console.error(name, 'DEBUG', ...msg),
  info: (...msg) => console.error(name, 'INFO', ...msg),
  warn: (...msg) => console.error(name, 'WARN', ...msg),
  error: (...msg) => console.error(name, 'ERROR', ...msg),
  setLevel: (value) => { level = value; },
  getLevel: () => level,
  setName: (value) => { name = value; },
};

const client = new SocketModeClient({
  appToken: setting('SLACKLINE_APP_TOKEN'),
  // The one change from a Slack deployment: where the Web API (apps.connections.open) lives.
  clientOptions: { slackApiUrl: `${setting('SLACKLINE_BASE_URL')}/api/` },
  logger,
});

for (const state of ['connecting', 'authenticated', 'connected', 'disconnecting',
  'disconnected', 'reconnecting']) {
  client.on(state, () => emit({ status: state }));
}
client.on('error', (error) => emit({ status: 'error', detail: String(error) }));

// Every envelope (events_api, interactive, slash_commands...): acknowledge, then report.
client.on('slack_event', async ({ ack, envelope_id, type, body, retry_num, retry_reason }) => {
  try {
    await ack();
  } catch (error) {
    emit({ status: 'ack_error', envelope_id, detail: String(error) });
    return;
  }
  emit({ envelope: { envelope_id, type, body, retry_num, retry_reason } });
});

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  const timeout = new Promise((resolve) => { setTimeout(resolve, 3000).unref(); });
  try {
    await Promise.race([client.disconnect(), timeout]);
  } catch (error) {
    emit({ status: 'stop_error', detail: String(error) });
  }
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

client.start().then(
  () => emit({ status: 'started' }),
  (error) => {
    emit({ status: 'start_failed', detail: String(error) });
    process.exit(1);
  },
);
