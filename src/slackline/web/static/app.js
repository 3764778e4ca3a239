// The web client: state, the sidebar and the RTM events that keep it live.
// Built only on the public Web API (api.js) and one RTM socket (rtm.js).

import { Api } from "./api.js";
import { EmojiSet } from "./emoji.js";
import { Rtm } from "./rtm.js";
import { h, mentions } from "./render.js";
import { Conversation } from "./conversation.js";
import { Panels } from "./panels.js";

const TYPING_SHOWN_MS = 5000;
const MARK_DELAY_MS = 300;

class Client {
  constructor(boot) {
    this.boot = boot;
    this.selfId = boot.user_id;
    this.api = new Api(boot);
    this.emoji = new EmojiSet();
    this.users = new Map();
    this.convs = new Map();
    this.presence = new Map();
    this.typing = new Map();
    this.currentId = null;
    this.markTimer = null;
    // Every connection state in order, for a person's tools and the browser tests.
    this.states = [];
    this.view = new Conversation(this);
    this.panels = new Panels(this);
    this.rtm = new Rtm(
      this.api,
      (event) => this.guard(() => this.onEvent(event)),
      (state, detail) => this.onConnection(state, detail),
    );
  }

  /** Run an action, showing its failure instead of leaving an unhandled rejection. */
  async guard(action) {
    try {
      await action();
    } catch (error) {
      this.notice(error && error.error ? `Failed: ${error.error}` : `Failed: ${error}`);
    }
  }

  notice(text) {
    const status = document.getElementById("connection");
    status.dataset.notice = text;
    status.textContent = text;
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => this.showConnection(), 4000);
  }

  async start() {
    document.getElementById("signout-csrf").value = this.boot.csrf || "";
    const [team, users] = await Promise.all([
      this.api.call("team.info").catch(() => null),
      this.api.all("users.list", "members"),
      this.emoji.load(this.api),
    ]);
    if (team) document.getElementById("team-name").textContent = team.team.name;
    for (const user of users) this.users.set(user.id, user);
    this.renderMe();
    await this.loadConversations();
    this.bindChrome();
    this.rtm.start();
    const wanted = window.location.hash.slice(1);
    const general = [...this.convs.values()].find((c) => c.is_general);
    await this.select(wanted || (general && general.id) || [...this.convs.keys()][0]);
  }

  // --- people -------------------------------------------------------------------------

  userName(id) {
    const user = this.users.get(id);
    if (!user) return id;
    const profile = user.profile || {};
    return profile.display_name || profile.real_name || user.real_name || user.name;
  }

  renderMe() {
    const button = document.getElementById("me-button");
    button.replaceChildren(this.presenceDot(this.selfId), this.userName(this.selfId));
    button.onclick = () => this.panels.profile(this.selfId);
  }

  presenceDot(userId) {
    const active = this.presence.get(userId) === "active";
    return h("span", {
      className: `presence ${active ? "active" : "away"}`,
      dataset: { presenceUser: userId },
      role: "img",
      "aria-label": active ? "active" : "away",
    });
  }

  setPresence(userId, presence) {
    this.presence.set(userId, presence);
    for (const dot of document.querySelectorAll(`[data-presence-user="${CSS.escape(userId)}"]`)) {
      const active = presence === "active";
      dot.className = `presence ${active ? "active" : "away"}`;
      dot.setAttribute("aria-label", active ? "active" : "away");
    }
  }

  // --- conversations ------------------------------------------------------------------

  async loadConversations() {
    const list = await this.api.all("users.conversations", "channels", {
      types: "public_channel,private_channel,mpim,im",
      exclude_archived: true,
    });
    this.convs.clear();
    for (const conv of list) this.convs.set(conv.id, { ...conv, unread: 0, mentions: 0 });
    await Promise.all(list.map((conv) => this.refreshConversation(conv.id)));
    this.renderSidebar();
  }

  async refreshConversation(id) {
    try {
      const body = await this.api.call("conversations.info", { channel: id });
      const old = this.convs.get(id) || { unread: 0, mentions: 0 };
      const conv = { ...old, ...body.channel };
      // A group DM is named by its people, whom conversations.info does not list.
      if (conv.is_mpim && !conv.members) {
        conv.members = await this.api.all("conversations.members", "members", { channel: id });
      }
      conv.unread = body.channel.unread_count_display ?? old.unread ?? 0;
      if (!conv.unread) conv.mentions = 0;
      this.convs.set(id, conv);
      return conv;
    } catch {
      return null;
    }
  }

  convName(conv) {
    if (!conv) return "";
    if (conv.is_im) return this.userName(conv.user);
    if (conv.is_mpim) {
      const others = (conv.members || []).filter((id) => id !== this.selfId);
      return others.length ? others.map((id) => this.userName(id)).join(", ") : conv.name;
    }
    return conv.name;
  }

  channelName(id) {
    const conv = this.convs.get(id);
    return conv ? this.convName(conv) : id;
  }

  renderSidebar() {
    const channels = [];
    const dms = [];
    const sorted = [...this.convs.values()].sort((a, b) =>
      this.convName(a).localeCompare(this.convName(b)),
    );
    for (const conv of sorted) {
      if (conv.is_archived) continue;
      (conv.is_im || conv.is_mpim ? dms : channels).push(this.sidebarItem(conv));
    }
    document.getElementById("channel-list").replaceChildren(...channels);
    document.getElementById("dm-list").replaceChildren(...dms);
  }

  sidebarItem(conv) {
    const name = this.convName(conv);
    const prefix = conv.is_im ? this.presenceDot(conv.user) : h("span", {
      className: "prefix",
      "aria-hidden": "true",
      text: conv.is_private && !conv.is_mpim ? "🔒" : conv.is_mpim ? "👥" : "#",
    });
    const label = [name];
    if (conv.unread) label.push(`${conv.unread} unread`);
    if (conv.mentions) label.push(`${conv.mentions} mentions`);
    const classes = ["conversation"];
    if (conv.id === this.currentId) classes.push("current");
    if (conv.unread) classes.push("unread");
    if (conv.mentions) classes.push("mentioned");
    return h(
      "li",
      {},
      h(
        "button",
        {
          type: "button",
          className: classes.join(" "),
          dataset: { conversation: conv.id },
          "aria-label": label.join(", "),
          "aria-current": conv.id === this.currentId ? "page" : null,
          onclick: () => this.guard(() => this.select(conv.id)),
        },
        prefix,
        h("span", { className: "name", text: name }),
        conv.unread
          ? h("span", { className: "badge", dataset: { unread: String(conv.unread) }, text: String(conv.mentions || conv.unread) })
          : null,
      ),
    );
  }

  async select(id) {
    if (!id) return;
    let conv = this.convs.get(id);
    if (!conv) conv = await this.refreshConversation(id);
    if (!conv) {
      this.notice("That conversation is not there, or not yours to see.");
      this.view.showMissing();
      return;
    }
    this.currentId = id;
    if (window.location.hash.slice(1) !== id) history.replaceState(null, "", `#${id}`);
    document.body.classList.remove("sidebar-open");
    document.getElementById("menu-toggle").setAttribute("aria-expanded", "false");
    this.renderSidebar();
    await this.view.open(conv);
    this.markRead();
  }

  /** Mark the open conversation read up to its newest message, soon (collapsing bursts). */
  markRead() {
    clearTimeout(this.markTimer);
    this.markTimer = setTimeout(() => this.guard(() => this.doMark()), MARK_DELAY_MS);
  }

  async doMark() {
    const conv = this.convs.get(this.currentId);
    const ts = this.view.latestTs();
    if (!conv || !ts || document.hidden) return;
    if (conv.unread || conv.mentions || conv.last_read !== ts) {
      conv.unread = 0;
      conv.mentions = 0;
      conv.last_read = ts;
      this.renderSidebar();
      await this.api.call("conversations.mark", { channel: conv.id, ts });
    }
  }

  // --- RTM ----------------------------------------------------------------------------

  onConnection(state, detail) {
    this.connection = { state, detail };
    this.states.push(state);
    document.body.classList.toggle("offline", state === "disconnected" || state === "connecting");
    this.showConnection();
    if (state === "connected" || state === "reconnected") {
      this.rtm.send({ type: "presence_sub", ids: [...this.users.keys()] });
    }
    if (state === "reconnected") this.guard(() => this.catchUp());
    // The session is over: the sign-in page is where to go next.
    if (state === "signed_out") window.location.assign("/signin");
  }

  showConnection() {
    const status = document.getElementById("connection");
    const { state, detail } = this.connection || { state: "connecting" };
    const text = {
      connecting: "Connecting…",
      connected: "Connected",
      reconnected: "Connected",
      disconnected: `Disconnected (${detail}), reconnecting…`,
      signed_out: "Signed out",
    }[state];
    status.textContent = text;
    status.dataset.state = state;
    delete status.dataset.notice;
  }

  /** After a reconnection: the counts and messages that arrived while the socket was down. */
  async catchUp() {
    await this.loadConversations();
    await this.view.catchUp();
    this.markRead();
  }

  onEvent(event) {
    const handler = EVENTS[event.type];
    if (handler) handler(this, event);
  }

  onMessage(event) {
    const conv = this.convs.get(event.channel);
    const sub = event.subtype;
    if (sub === "message_changed" || sub === "message_deleted" || sub === "message_replied") {
      this.view.applyChange(event);
      this.panels.applyChange(event);
      return;
    }
    if (event.thread_ts && event.thread_ts !== event.ts) this.panels.addReply(event);
    const inChannel = !event.thread_ts || event.thread_ts === event.ts || sub === "thread_broadcast";
    if (sub === "channel_topic" || sub === "group_topic") {
      if (conv) conv.topic = { value: event.topic };
      if (conv && conv.id === this.currentId) this.view.renderHeader(conv);
    }
    if (!conv) {
      this.guard(async () => {
        if (await this.refreshConversation(event.channel)) this.renderSidebar();
      });
      return;
    }
    this.clearTyping(event.channel, event.user);
    if (!inChannel) return;
    const isCurrent = event.channel === this.currentId;
    if (isCurrent) this.view.add(event);
    if (event.user === this.selfId) return;
    if (isCurrent && !document.hidden) {
      this.markRead();
    } else if (!event.hidden) {
      conv.unread += 1;
      if (mentions(event.text, this.selfId) || conv.is_im) conv.mentions += 1;
      this.renderSidebar();
    }
  }

  onMarked(event) {
    const conv = this.convs.get(event.channel);
    if (!conv) return;
    conv.last_read = event.ts;
    conv.unread = event.unread_count_display ?? 0;
    if (!conv.unread) conv.mentions = 0;
    this.renderSidebar();
  }

  onJoined(event) {
    const id = typeof event.channel === "string" ? event.channel : event.channel.id;
    this.guard(async () => {
      await this.refreshConversation(id);
      this.renderSidebar();
    });
  }

  onLeft(event) {
    const id = typeof event.channel === "string" ? event.channel : event.channel.id;
    this.convs.delete(id);
    this.renderSidebar();
    if (id === this.currentId) {
      const general = [...this.convs.values()].find((c) => c.is_general);
      this.guard(() => this.select(general ? general.id : [...this.convs.keys()][0]));
    }
  }

  onRename(event) {
    const conv = this.convs.get(event.channel.id);
    if (!conv) return;
    conv.name = event.channel.name;
    this.renderSidebar();
    if (conv.id === this.currentId) this.view.renderHeader(conv);
  }

  onTyping(event) {
    if (event.user === this.selfId) return;
    const byUser = this.typing.get(event.channel) || new Map();
    clearTimeout(byUser.get(event.user));
    byUser.set(event.user, setTimeout(() => this.clearTyping(event.channel, event.user), TYPING_SHOWN_MS));
    this.typing.set(event.channel, byUser);
    this.renderTyping();
  }

  clearTyping(channel, user) {
    const byUser = this.typing.get(channel);
    if (!byUser || !byUser.has(user)) return;
    clearTimeout(byUser.get(user));
    byUser.delete(user);
    this.renderTyping();
  }

  renderTyping() {
    const who = [...(this.typing.get(this.currentId) || new Map()).keys()].map((id) => this.userName(id));
    const text = who.length === 0 ? "" : who.length === 1 ? `${who[0]} is typing…` : `${who.join(", ")} are typing…`;
    document.getElementById("typing").textContent = text;
  }

  onUser(event) {
    const user = event.user;
    if (user && user.id) this.users.set(user.id, user);
    this.renderSidebar();
    this.renderMe();
  }

  // --- chrome -------------------------------------------------------------------------

  bindChrome() {
    const toggle = document.getElementById("menu-toggle");
    toggle.addEventListener("click", () => {
      const open = document.body.classList.toggle("sidebar-open");
      toggle.setAttribute("aria-expanded", String(open));
    });
    document.getElementById("new-channel").addEventListener("click", () => this.panels.createChannel());
    document.getElementById("browse-channels").addEventListener("click", () => this.guard(() => this.panels.browse()));
    document.getElementById("new-dm").addEventListener("click", () => this.panels.newDm());
    document.getElementById("invite-button").addEventListener("click", () => this.panels.invite(this.currentId));
    document.getElementById("leave-button").addEventListener("click", () =>
      this.guard(() => this.api.call("conversations.leave", { channel: this.currentId })),
    );
    document.getElementById("archive-button").addEventListener("click", () =>
      this.guard(() => this.api.call("conversations.archive", { channel: this.currentId })),
    );
    document.getElementById("search-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const query = document.getElementById("search-input").value.trim();
      if (query) this.guard(() => this.panels.search(query));
    });
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) this.markRead();
    });
    document.addEventListener("keydown", (event) => this.onKey(event));
    window.addEventListener("hashchange", () => {
      const id = window.location.hash.slice(1);
      if (id && id !== this.currentId) this.guard(() => this.select(id));
    });
  }

  /** Alt+ArrowUp/Down moves between conversations; Escape closes what is open. */
  onKey(event) {
    if (event.key === "Escape") {
      this.view.closePicker();
      this.panels.close();
      return;
    }
    if (!event.altKey || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) return;
    event.preventDefault();
    const buttons = [...document.querySelectorAll(".sidebar button.conversation")];
    const index = buttons.findIndex((b) => b.dataset.conversation === this.currentId);
    const next = buttons[(index + (event.key === "ArrowDown" ? 1 : -1) + buttons.length) % buttons.length];
    if (next) {
      this.guard(() => this.select(next.dataset.conversation));
      next.focus();
    }
  }
}

const marked = (client, event) => client.onMarked(event);
const joined = (client, event) => client.onJoined(event);
const left = (client, event) => client.onLeft(event);

const EVENTS = {
  message: (client, event) => client.onMessage(event),
  channel_marked: marked,
  group_marked: marked,
  im_marked: marked,
  mpim_marked: marked,
  channel_joined: joined,
  group_joined: joined,
  im_created: joined,
  im_open: joined,
  mpim_open: joined,
  mpim_joined: joined,
  channel_left: left,
  group_left: left,
  channel_archive: left,
  group_archive: left,
  im_close: left,
  mpim_close: left,
  channel_rename: (client, event) => client.onRename(event),
  group_rename: (client, event) => client.onRename(event),
  user_typing: (client, event) => client.onTyping(event),
  presence_change: (client, event) => {
    for (const id of event.users || [event.user]) client.setPresence(id, event.presence);
  },
  manual_presence_change: (client, event) => client.setPresence(client.selfId, event.presence),
  user_change: (client, event) => client.onUser(event),
  team_join: (client, event) => client.onUser(event),
  emoji_changed: (client) => client.guard(() => client.emoji.load(client.api)),
  reaction_added: (client, event) => client.view.applyReaction(event, true),
  reaction_removed: (client, event) => client.view.applyReaction(event, false),
};

const boot = JSON.parse(document.getElementById("boot").textContent);
const client = new Client(boot);
window.slackline = client;
client.guard(() => client.start());
