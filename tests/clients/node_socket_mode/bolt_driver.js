// Drives the unmodified @slack/bolt App against a local Slackline, for
// tests/socket_mode/test_node_clients.py. Only the Web API URL differs from talking to Slack.
//
// Usage: node bolt_driver.js socket        Socket Mode (SocketModeReceiver), or
//        node bolt_driver.js http PORT     the Events API over HTTP (Bolt's default
//                                          HTTPReceiver) on 127.0.0.1:PORT/slack/events;
//                                          PORT 0 takes a free port, printed when listening.
// Environment: SLACKLINE_BASE_URL (http://127.0.0.1:PORT; 127.0.0.1, not localhost, which
// Node may resolve to ::1 first), SLACKLINE_BOT_TOKEN, and SLACKLINE_APP_TOKEN (socket) or
// SLACKLINE_SIGNING_SECRET (http).
// Both modes answer a message "ping" with say("pong from node bolt") and an app_mention
// with say("mentioned"). Stdout: JSON lines, {"status": ...} for the life cycle and
// {"event": ...} per event a listener got. Logs go to stderr. Exits on SIGTERM (or SIGINT).
'use strict';

const { App, LogLevel } = require('@slack/bolt');

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

function usage() {
  process.stderr.write('usage: node bolt_driver.js socket | http PORT\n');
  process.exit(2);
}

// Bolt and its clients log to the console by default; stdout belongs to the JSON lines.
let level = LogLevel.INFO;
let name = 'bolt';
const logger = {
  debug: (...msg) => level === LogLevel.DEBUG && console.error(name, 'DEBUG', ...msg),
  info: (...msg) => console.error(name, 'INFO', ...msg),
  warn: (...msg) => console.error(name, 'WARN', ...msg),
  error: (...msg) => console.error(name, 'ERROR', ...msg),
  setLevel: (value) => { level = value; },
  getLevel: () => level,
  setName: (value) => { name = value; },
};

const [mode, portArgument] = process.argv.slice(2);
if (mode !== 'socket' && mode !== 'http') usage();
if (mode === 'http' && (portArgument === undefined || Number.isNaN(Number(portArgument)))) usage();

// The one change from a Slack deployment: where the Web API lives. Bolt hands clientOptions
// to its WebClient and, in Socket Mode, to the SocketModeClient (apps.connections.open).
const options = {
  token: setting('SLACKLINE_BOT_TOKEN'),
  clientOptions: { slackApiUrl: `${setting('SLACKLINE_BASE_URL')}/api/` },
  logger,
};
if (mode === 'socket') {
  Object.assign(options, { socketMode: true, appToken: setting('SLACKLINE_APP_TOKEN') });
} else {
  // No receiver given: Bolt's default HTTPReceiver, verifying Slack's request signatures.
  options.signingSecret = setting('SLACKLINE_SIGNING_SECRET');
}
const app = new App(options);

app.message(/^ping$/, async ({ message, say }) => {
  emit({ event: message });
  await say('pong from node bolt');
});

app.event('app_mention', async ({ event, say }) => {
  emit({ event });
  await say('mentioned');
});

app.error(async (error) => {
  emit({ status: 'error', detail: String(error) });
});

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  const timeout = new Promise((resolve) => { setTimeout(resolve, 3000).unref(); });
  try {
    await Promise.race([app.stop(), timeout]);
  } catch (error) {
    emit({ status: 'stop_error', detail: String(error) });
  }
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

async function main() {
  if (mode === 'socket') {
    await app.start(); // resolves once the Socket Mode connection said hello
    emit({ status: 'started', mode });
  } else {
    // ListenOptions rather than a bare port, so the server binds 127.0.0.1 only.
    const server = await app.start({ port: Number(portArgument), host: '127.0.0.1' });
    emit({ status: 'started', mode, port: server.address().port });
  }
}

main().catch((error) => {
  emit({ status: 'start_failed', detail: String(error) });
  process.exit(1);
});
