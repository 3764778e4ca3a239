// Drives the unmodified @slack/rtm-api 7.0.1 for tests/clients/test_real_clients.py.
//
// Environment: SLACKLINE_BASE_URL (http://127.0.0.1:PORT; 127.0.0.1, not localhost, which
// Node may resolve to ::1 first) and SLACKLINE_TOKEN. Speaks the JSON-lines protocol of
// tests/clients/drivers/driverio.py: {"event"}, {"status"}, {"ack"}, {"done"}, {"failed"} out;
// {"send_message"}, {"send"}, {"subscribe_presence"}, {"stop"} in. Logs go to stderr.
'use strict';

const readline = require('node:readline');
const { RTMClient, LogLevel } = require('@slack/rtm-api');

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

// The library logs to the console by default; stdout belongs to the protocol.
let level = LogLevel.INFO;
let name = 'rtm-api';
const logger = {
  debug: (...msg) => level === LogLevel.DEBUG && console.error(name, 'DEBUG', ...msg),
  info: (...msg) => console.error(name, 'INFO', ...msg),
  warn: (...msg) => console.error(name, 'WARN', ...msg),
  error: (...msg) => console.error(name, 'ERROR', ...msg),
  setLevel: (value) => { level = value; },
  getLevel: () => level,
  setName: (value) => { name = value; },
};

const rtm = new RTMClient(setting('SLACKLINE_TOKEN'), {
  slackApiUrl: `${setting('SLACKLINE_BASE_URL')}/api/`,
  retryConfig: { retries: 0 }, // otherwise a dead server stalls start() for about 30 minutes
  logger,
});

rtm.on('slack_event', (_type, event) => emit({ event }));
for (const state of ['authenticated', 'connected', 'ready', 'disconnected', 'reconnecting']) {
  rtm.on(state, () => emit({ status: state }));
}
rtm.on('error', (error) => emit({ status: 'error', detail: String(error) }));
rtm.on('unable_to_rtm_start', (error) => emit({ status: 'unable_to_rtm_start', detail: String(error) }));

async function carryOut(command) {
  const [verb] = Object.keys(command);
  try {
    if (verb === 'send_message') {
      const { channel, text } = command.send_message;
      emit({ ack: await rtm.sendMessage(text, channel) });
    } else if (verb === 'send') {
      const { type, ...body } = command.send;
      await rtm.send(type, body);
    } else if (verb === 'subscribe_presence') {
      await rtm.subscribePresence(command.subscribe_presence);
    } else {
      throw new Error(`unsupported command ${verb}`);
    }
    emit({ done: verb });
  } catch (error) {
    emit({ failed: verb, detail: String(error), code: error.code, data: error.data });
  }
}

const STOP_TIMEOUT_MS = 3000;

async function stop() {
  try {
    const timeout = new Promise((_resolve, reject) => {
      setTimeout(() => reject(new Error('disconnect timed out')), STOP_TIMEOUT_MS).unref();
    });
    await Promise.race([rtm.disconnect(), timeout]);
  } catch (error) {
    emit({ status: 'stop_error', detail: String(error) });
  }
  emit({ status: 'stopped' });
  process.exit(0);
}

const lines = readline.createInterface({ input: process.stdin });
let stopping = false;
lines.on('line', (line) => {
  if (!line.trim()) return;
  const command = JSON.parse(line);
  if ('stop' in command) {
    stopping = true;
    stop();
  } else {
    carryOut(command);
  }
});
lines.on('close', () => {
  if (!stopping) stop();
});

rtm.start().catch((error) => {
  emit({ status: 'start_failed', detail: String(error) });
  process.exit(1);
});
