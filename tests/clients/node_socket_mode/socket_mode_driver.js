// Drives the unmodified @slack/socket-mode SocketModeClient against a local Slackline, for
// tests/socket_mode/test_node_clients.py, test_node_recovery.py and
// tests/web/test_node_frameworks_browser.py. Only the Web API URL differs from talking to Slack.
//
// Environment: SLACKLINE_BASE_URL (http://127.0.0.1:PORT; 127.0.0.1, not localhost, which
// Node may resolve to ::1 first) and SLACKLINE_APP_TOKEN (an xapp- token); optional
// SLACKLINE_UNACKED_TEXT: the first delivery (retry_num 0) of an events_api envelope whose
// event has this text is left unacknowledged, so Slackline sends it again.
// What the app does, through the client's own API (it has no Web API client of its own):
// a slash command is answered in the channel in its acknowledgement's payload
// ("socket-mode got /cmd text"; "/cmd button TAG" answers with a button, action_id
// "node_click", value TAG); a click on that button is acknowledged and answered in the
// channel on the payload's response_url ("socket-mode saw USER click TAG").
// Stdout: one JSON line per life-cycle change ({"status": ...}), per envelope received
// ({"envelope": ..., "acked": true|false}, printed after the acknowledgement was sent or
// withheld) and per click ({"action": ...}, once its answer was posted). Logs go to stderr.
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

const unackedText = process.env.SLACKLINE_UNACKED_TEXT || '';
const NAME = 'socket-mode';

// Slack's answer to a command, sent as the acknowledgement's payload (accepts_response_payload).
function commandAnswer(command) {
  const [word, tag] = (command.text || '').split(/\s+/);
  if (word === 'button' && tag) {
    return {
      response_type: 'in_channel',
      text: `${NAME} button ${tag}`,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: `${NAME} asks for ${tag}` } },
        { type: 'actions', block_id: 'node_actions', elements: [
          { type: 'button', action_id: 'node_click', value: tag,
            text: { type: 'plain_text', text: `Click ${tag}` } },
        ] },
      ],
    };
  }
  return { response_type: 'in_channel', text: `${NAME} got ${command.command} ${command.text}` };
}

// A block_actions click: answered in the channel on its response_url (node's own fetch).
async function answerClick(body) {
  const [action] = body.actions;
  const answer = { response_type: 'in_channel', text: `${NAME} saw ${body.user.id} click ${action.value}` };
  const response = await fetch(body.response_url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(answer),
  });
  emit({ action: { action_id: action.action_id, value: action.value, user: body.user.id,
    api_app_id: body.api_app_id, answered: response.status } });
}

function withheld(type, body, retryNum) {
  return unackedText !== '' && type === 'events_api' && retryNum === 0
    && body.event && body.event.text === unackedText;
}

// Every envelope (events_api, interactive, slash_commands...): acknowledge (or, for the
// SLACKLINE_UNACKED_TEXT event's first delivery, do not), then report.
client.on('slack_event', async ({ ack, envelope_id, type, body, retry_num, retry_reason }) => {
  const acked = !withheld(type, body, retry_num);
  if (acked) {
    try {
      await ack(type === 'slash_commands' ? commandAnswer(body) : undefined);
    } catch (error) {
      emit({ status: 'ack_error', envelope_id, detail: String(error) });
      return;
    }
  }
  emit({ envelope: { envelope_id, type, body, retry_num, retry_reason }, acked });
  if (type === 'interactive' && body.type === 'block_actions') {
    try {
      await answerClick(body);
    } catch (error) {
      emit({ status: 'answer_error', envelope_id, detail: String(error) });
    }
  }
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
