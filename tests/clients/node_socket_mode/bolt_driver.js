// Drives the unmodified @slack/bolt App against a local Slackline, for
// tests/socket_mode/test_node_clients.py, test_node_recovery.py and
// tests/web/test_node_frameworks_browser.py. Only the Web API URL differs from talking to Slack.
//
// Usage: node bolt_driver.js socket        Socket Mode (SocketModeReceiver), or
//        node bolt_driver.js http PORT     the Events API over HTTP (Bolt's default
//                                          HTTPReceiver) on 127.0.0.1:PORT/slack/events;
//                                          PORT 0 takes a free port, printed when listening.
// Environment: SLACKLINE_BASE_URL (http://127.0.0.1:PORT; 127.0.0.1, not localhost, which
// Node may resolve to ::1 first), SLACKLINE_BOT_TOKEN, and SLACKLINE_APP_TOKEN (socket) or
// SLACKLINE_SIGNING_SECRET (http).
// Optional SLACKLINE_UNACKED_TEXT: a slash command with this text is not acknowledged on its
// first delivery (context.retryNum 0), so Slackline sends it again (Bolt acknowledges
// events itself, before any listener runs: a command's ack() is the listener's to call).
// Both modes answer a message "ping" with say("pong from node bolt") and an app_mention
// with say("mentioned"). Any slash command is acknowledged and answered in the channel with
// respond() ("bolt-socket got /cmd text", "bolt-http ..." over HTTP); "/cmd button TAG" is
// answered with say() and a button (action_id "node_click", value TAG) whose click
// app.action("node_click") acknowledges and answers with respond() ("bolt-socket saw USER
// click TAG"). Stdout: JSON lines, {"status": ...} for the life cycle, {"event": ...} per
// event a listener got, {"command": ...} per command (with retryNum and whether it was
// acked) and {"action": ...} per click. Logs go to stderr. Exits on SIGTERM (or SIGINT).
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

const NAME = `bolt-${mode}`;
const unackedText = process.env.SLACKLINE_UNACKED_TEXT || '';

app.command(/^\/.+/, async ({ command, ack, respond, say, context }) => {
  const retryNum = context.retryNum ?? 0;
  const seen = { command: command.command, text: command.text, user_id: command.user_id,
    api_app_id: command.api_app_id, retryNum, retryReason: context.retryReason };
  if (unackedText !== '' && command.text === unackedText && retryNum === 0) {
    emit({ command: { ...seen, acked: false } });
    return; // no ack(): Slackline's deadline passes and the envelope comes back
  }
  await ack();
  emit({ command: { ...seen, acked: true } });
  const [word, tag] = command.text.split(/\s+/);
  if (word === 'button' && tag) {
    await say({
      text: `${NAME} button ${tag}`,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: `${NAME} asks for ${tag}` } },
        { type: 'actions', block_id: 'node_actions', elements: [
          { type: 'button', action_id: 'node_click', value: tag,
            text: { type: 'plain_text', text: `Click ${tag}` } },
        ] },
      ],
    });
  } else {
    await respond({ response_type: 'in_channel', text: `${NAME} got ${command.command} ${command.text}` });
  }
});

app.action('node_click', async ({ ack, body, action, respond }) => {
  await ack();
  emit({ action: { action_id: action.action_id, value: action.value, user: body.user.id,
    api_app_id: body.api_app_id } });
  await respond({ response_type: 'in_channel', text: `${NAME} saw ${body.user.id} click ${action.value}` });
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
