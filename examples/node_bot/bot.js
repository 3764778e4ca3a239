// A small RTM bot on the unmodified @slack/rtm-api: it answers in the channel a command came from.
//
//   ping          -> "pong", sent over the RTM socket (rtm.sendMessage, acknowledged by the server)
//   shout <text>  -> <TEXT>, posted through the Web API (chat.postMessage)
//
// Environment: SLACK_BOT_TOKEN (a classic bot token) and SLACK_API_URL (https://slack.com/api/,
// or a local Slackline's http://127.0.0.1:PORT/api/). SIGTERM disconnects and exits.
'use strict';

const { RTMClient } = require('@slack/rtm-api');
const { WebClient } = require('@slack/web-api');

const token = process.env.SLACK_BOT_TOKEN;
const slackApiUrl = process.env.SLACK_API_URL || 'https://slack.com/api/';
if (!token) {
  console.error('SLACK_BOT_TOKEN is not set');
  process.exit(2);
}

// The Web API client waits out a 429's Retry-After itself, then tries again (quickly after that).
const retryConfig = { retries: 10, factor: 1, minTimeout: 100, maxTimeout: 100 };
const web = new WebClient(token, { slackApiUrl, retryConfig });
const rtm = new RTMClient(token, { slackApiUrl, webClient: web });

function reply(text) {
  if (text.trim() === 'ping') return { rtm: 'pong' };
  if (text.startsWith('shout ')) return { web: text.slice('shout '.length).toUpperCase() };
  return null;
}

rtm.on('message', async (event) => {
  if (event.bot_id || event.subtype) return; // itself, other bots, edits and deletions
  const answer = reply(event.text || '');
  try {
    if (answer && answer.rtm) await rtm.sendMessage(answer.rtm, event.channel);
    if (answer && answer.web) await web.chat.postMessage({ channel: event.channel, text: answer.web });
  } catch (error) {
    console.error('could not answer:', error.message);
  }
});

for (const state of ['connecting', 'authenticated', 'ready', 'disconnected', 'reconnecting']) {
  rtm.on(state, () => console.error(`rtm: ${state}`));
}

const STOP_TIMEOUT_MS = 3000;

process.on('SIGTERM', async () => {
  // disconnect() waits for the close handshake, which never comes from a dead server.
  const timeout = new Promise((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS).unref());
  try {
    await Promise.race([rtm.disconnect(), timeout]);
  } finally {
    process.exit(0);
  }
});

rtm.start().catch((error) => {
  console.error('could not start:', error.message);
  process.exit(1);
});
