// The open conversation: its header, message list with history paging, the composer with its
// slash commands, uploads (picker and drag-and-drop), typing and the emoji picker.

import { h } from "./render.js";
import { ApiError } from "./api.js";
import { applyReaction, confirmInline, editInline, messageElement } from "./messages.js";

const PAGE_SIZE = 50;
const TYPING_EVERY_MS = 3000;
const PAGE_WHEN_SCROLL_BELOW_PX = 80;

export class Conversation {
  constructor(client) {
    this.client = client;
    this.conv = null;
    this.messages = new Map();
    this.hasMore = false;
    this.loadingMore = false;
    this.lastTyping = 0;
    this.pickerTarget = null;
    this.list = document.getElementById("messages");
    this.input = document.getElementById("composer-input");
    this.bind();
  }

  bind() {
    document.getElementById("composer").addEventListener("submit", (event) => {
      event.preventDefault();
      this.client.guard(() => this.send());
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.client.guard(() => this.send());
      } else if (event.key === "ArrowUp" && !this.input.value) {
        const own = [...this.messages.values()].filter((m) => m.user === this.client.selfId && !m.subtype);
        if (own.length) {
          event.preventDefault();
          this.client.guard(() => this.edit(own[own.length - 1]));
        }
      }
    });
    this.input.addEventListener("input", () => this.typed());
    this.list.addEventListener("scroll", () => {
      if (this.list.scrollTop < PAGE_WHEN_SCROLL_BELOW_PX) this.client.guard(() => this.loadOlder());
    });
    document.getElementById("file-input").addEventListener("change", (event) => {
      const files = [...event.target.files];
      event.target.value = "";
      this.client.guard(() => this.uploadAll(files));
    });
    const zone = document.getElementById("drop-zone");
    const main = document.getElementById("main");
    main.addEventListener("dragover", (event) => {
      if (![...event.dataTransfer.types].includes("Files")) return;
      event.preventDefault();
      zone.hidden = false;
    });
    main.addEventListener("dragleave", () => {
      zone.hidden = true;
    });
    main.addEventListener("drop", (event) => {
      event.preventDefault();
      zone.hidden = true;
      this.client.guard(() => this.uploadAll([...event.dataTransfer.files]));
    });
    document.getElementById("emoji-filter").addEventListener("input", () => this.renderPicker());
  }

  // --- list ---------------------------------------------------------------------------

  async open(conv) {
    this.conv = conv;
    this.messages = new Map();
    this.renderHeader(conv);
    this.list.replaceChildren(h("p", { className: "loading", text: "Loading…" }));
    const body = await this.client.api.call("conversations.history", { channel: conv.id, limit: PAGE_SIZE });
    if (this.conv !== conv) return;
    this.hasMore = body.has_more;
    for (const message of body.messages.reverse()) this.messages.set(message.ts, message);
    this.render();
    this.list.scrollTop = this.list.scrollHeight;
    this.client.renderTyping();
    this.input.focus();
  }

  showMissing() {
    this.conv = null;
    this.messages = new Map();
    document.getElementById("channel-title").textContent = "Not found";
    document.getElementById("channel-topic").textContent = "";
    this.list.replaceChildren(h("p", { className: "empty", text: "That conversation is not there, or not yours to see." }));
  }

  renderHeader(conv) {
    const title = document.getElementById("channel-title");
    const prefix = conv.is_im || conv.is_mpim ? "" : conv.is_private ? "🔒 " : "#";
    title.textContent = prefix + this.client.convName(conv);
    document.getElementById("channel-topic").textContent = (conv.topic && conv.topic.value) || "";
    const channel = !conv.is_im && !conv.is_mpim;
    document.getElementById("invite-button").hidden = !channel;
    document.getElementById("leave-button").hidden = conv.is_im || conv.is_general;
    document.getElementById("archive-button").hidden = !channel || conv.is_general;
    this.input.placeholder = `Message ${prefix}${this.client.convName(conv)}`;
  }

  latestTs() {
    const keys = [...this.messages.keys()];
    return keys.length ? keys.sort(compareTs)[keys.length - 1] : null;
  }

  /** Messages in ts order, thread replies left out unless also sent to the channel. */
  shown() {
    return [...this.messages.values()]
      .filter((m) => !m.thread_ts || m.thread_ts === m.ts || m.subtype === "thread_broadcast")
      .sort((a, b) => compareTs(a.ts, b.ts));
  }

  options() {
    return {
      channel: this.conv.id,
      onReply: (message) => this.client.guard(() => this.client.panels.openThread(this.conv.id, message.thread_ts || message.ts)),
      onEdit: (message) => this.client.guard(() => this.edit(message)),
      onDelete: (message) => this.client.guard(() => this.remove(message)),
      onReact: (message, anchor) => this.openPicker(this.conv.id, message, anchor),
    };
  }

  render() {
    if (!this.conv) return;
    const options = this.options();
    const nodes = this.shown().map((message) => messageElement(this.client, message, options));
    if (!nodes.length) nodes.push(h("p", { className: "empty", text: "No messages yet." }));
    if (this.hasMore) nodes.unshift(h("p", { className: "more", text: "Scroll up for older messages" }));
    this.list.replaceChildren(...nodes);
  }

  /** Re-render keeping the view where it was (or at the bottom when it was there). */
  rerender() {
    const atBottom = this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 40;
    const fromBottom = this.list.scrollHeight - this.list.scrollTop;
    this.render();
    this.list.scrollTop = atBottom ? this.list.scrollHeight : this.list.scrollHeight - fromBottom;
  }

  async loadOlder() {
    if (!this.conv || !this.hasMore || this.loadingMore) return;
    this.loadingMore = true;
    const conv = this.conv;
    try {
      const oldest = [...this.messages.keys()].sort(compareTs)[0];
      const body = await this.client.api.call("conversations.history", { channel: conv.id, latest: oldest, limit: PAGE_SIZE });
      if (this.conv !== conv) return;
      this.hasMore = body.has_more;
      for (const message of body.messages) this.messages.set(message.ts, message);
      this.rerender();
    } finally {
      this.loadingMore = false;
    }
  }

  /** What arrived while the socket was down: history after the newest message we hold. */
  async catchUp() {
    if (!this.conv) return;
    const conv = this.conv;
    const newest = this.latestTs();
    const body = await this.client.api.call("conversations.history", { channel: conv.id, oldest: newest || undefined, limit: 200 });
    if (this.conv !== conv) return;
    for (const message of body.messages) this.messages.set(message.ts, message);
    this.rerender();
  }

  add(message) {
    if (!this.conv || message.channel !== this.conv.id) return;
    this.messages.set(message.ts, message);
    this.rerender();
  }

  applyChange(event) {
    if (!this.conv || event.channel !== this.conv.id) return;
    if (event.subtype === "message_deleted") {
      this.messages.delete(event.deleted_ts);
    } else if (event.message && event.message.ts) {
      const old = this.messages.get(event.message.ts);
      if (!old && event.subtype === "message_replied") return;
      this.messages.set(event.message.ts, { ...old, ...event.message });
    }
    this.rerender();
  }

  applyReaction(event, added) {
    const item = event.item || {};
    this.client.panels.applyReaction(event, added);
    if (!this.conv || item.channel !== this.conv.id) return;
    const message = this.messages.get(item.ts);
    if (!message) return;
    applyReaction(message, event.reaction, event.user, added);
    this.rerender();
  }

  element(ts) {
    return this.list.querySelector(`.message[data-ts="${CSS.escape(ts)}"]`);
  }

  // --- composing ----------------------------------------------------------------------

  typed() {
    const now = Date.now();
    if (!this.conv || now - this.lastTyping < TYPING_EVERY_MS || !this.input.value) return;
    this.lastTyping = now;
    this.client.rtm.send({ type: "typing", channel: this.conv.id });
  }

  async send() {
    const text = this.input.value.trim();
    if (!text || !this.conv) return;
    this.input.value = "";
    this.lastTyping = 0;
    const command = text.match(/^\/([\w-]+)\s*([\s\S]*)$/);
    if (command) {
      await this.command(command[1].toLowerCase(), command[2].trim(), text);
      return;
    }
    await this.client.api.call("chat.postMessage", { channel: this.conv.id, text: this.encode(text) });
  }

  /** Slack text back as a person would type it, for editing (the inverse of encode). */
  decode(text) {
    const plain = (text || "").replace(/<([^<>]+)>/g, (whole, inner) => {
      const [target, label] = inner.split("|", 2);
      if (target.startsWith("@")) {
        const user = this.client.users.get(target.slice(1));
        return `@${user ? user.name : label || target.slice(1)}`;
      }
      if (target.startsWith("#")) return `#${label || this.client.channelName(target.slice(1))}`;
      if (target.startsWith("!")) return `@${target.slice(1).split("^")[0]}`;
      return target;
    });
    return plain.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }

  /**
   * What a person typed as Slack text, as Slack's own client sends it: `&`, `<` and `>`
   * escaped (so typed markup stays text), `@name` of a known person as `<@U…>` and
   * `#name` of a known channel as `<#C…>`.
   */
  encode(text) {
    const escaped = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    const withPeople = escaped.replace(/(^|\s)@([\w.-]+)/g, (whole, space, name) => {
      if (["here", "channel", "everyone"].includes(name)) return `${space}<!${name}>`;
      const id = this.findUser(name);
      return id ? `${space}<@${id}>` : whole;
    });
    return withPeople.replace(/(^|\s)#([\w-]+)/g, (whole, space, name) => {
      const conv = [...this.client.convs.values()].find((c) => c.name === name && !c.is_im && !c.is_mpim);
      return conv ? `${space}<#${conv.id}|${name}>` : whole;
    });
  }

  /** The slash commands a person can type: /me, /topic, /join, /leave, /invite, and any
   * command an app of the workspace declares (sent to it with chat.command). */
  async command(name, rest, whole) {
    const api = this.client.api;
    const channel = this.conv.id;
    if (name === "me") {
      await api.call("chat.meMessage", { channel, text: this.encode(rest) });
    } else if (name === "topic") {
      await api.call("conversations.setTopic", { channel, topic: rest });
    } else if (name === "join") {
      const wanted = rest.replace(/^#/, "");
      const channels = await api.all("conversations.list", "channels", { types: "public_channel", exclude_archived: true });
      const found = channels.find((c) => c.name === wanted);
      if (!found) {
        this.client.notice(`No channel named #${wanted}`);
        return;
      }
      await api.call("conversations.join", { channel: found.id });
      await this.client.refreshConversation(found.id);
      await this.client.select(found.id);
    } else if (name === "leave") {
      await api.call("conversations.leave", { channel });
    } else if (name === "invite") {
      const ids = rest.split(/[\s,]+/).filter(Boolean).map((word) => this.findUser(word));
      if (!ids.length || ids.includes(null)) {
        this.client.notice("Invite whom? /invite @name");
        return;
      }
      await api.call("conversations.invite", { channel, users: ids.join(",") });
    } else {
      try {
        await api.call("chat.command", { channel, command: `/${name}`, text: rest });
      } catch (error) {
        if (!(error instanceof ApiError) || error.error !== "invalid_command") throw error;
        this.client.notice(`Unknown command /${name}`);
        this.input.value = whole;
      }
    }
  }

  findUser(word) {
    const name = word.replace(/^@/, "").replace(/^<@([A-Z0-9]+)(\|[^>]*)?>$/, "$1");
    if (this.client.users.has(name)) return name;
    for (const user of this.client.users.values()) {
      const profile = user.profile || {};
      if ([user.name, profile.display_name, profile.real_name].includes(name)) return user.id;
    }
    return null;
  }

  async edit(message) {
    const element = this.element(message.ts);
    if (!element) return;
    const before = this.decode(message.text);
    const text = await editInline(element, before);
    if (text === null || text === before) return;
    await this.client.api.call("chat.update", { channel: this.conv.id, ts: message.ts, text: this.encode(text) });
  }

  async remove(message) {
    const element = this.element(message.ts);
    if (!element || !(await confirmInline(element))) return;
    await this.client.api.call("chat.delete", { channel: this.conv.id, ts: message.ts });
  }

  async uploadAll(files, threadTs) {
    if (!this.conv) return;
    for (const file of files) {
      this.client.notice(`Uploading ${file.name}…`);
      await this.client.api.upload(file, this.conv.id, threadTs);
    }
    this.client.showConnection();
  }

  // --- the emoji picker ---------------------------------------------------------------

  openPicker(channel, message, anchor) {
    const picker = document.getElementById("emoji-picker");
    this.pickerTarget = { channel, message, anchor };
    const rect = anchor.getBoundingClientRect();
    picker.hidden = false;
    picker.style.top = `${Math.max(8, Math.min(rect.bottom + 4, window.innerHeight - picker.offsetHeight - 8))}px`;
    picker.style.left = `${Math.max(8, Math.min(rect.left, window.innerWidth - picker.offsetWidth - 8))}px`;
    const filter = document.getElementById("emoji-filter");
    filter.value = "";
    this.renderPicker();
    filter.focus();
  }

  renderPicker() {
    const filter = document.getElementById("emoji-filter").value.trim().toLowerCase();
    const names = this.client.emoji.names().filter((name) => name.includes(filter)).slice(0, 120);
    const buttons = names.map((name) =>
      h(
        "button",
        {
          type: "button",
          className: "emoji-choice",
          role: "option",
          dataset: { emoji: name },
          "aria-label": name,
          title: `:${name}:`,
          onclick: () => this.client.guard(() => this.pick(name)),
        },
        this.client.emoji.node(name) || `:${name}:`,
      ),
    );
    document.getElementById("emoji-grid").replaceChildren(...buttons);
  }

  async pick(name) {
    const target = this.pickerTarget;
    this.closePicker();
    if (!target) return;
    const mine = (target.message.reactions || []).some((r) => r.name === name && (r.users || []).includes(this.client.selfId));
    await this.client.api.call(mine ? "reactions.remove" : "reactions.add", { channel: target.channel, timestamp: target.message.ts, name });
  }

  closePicker() {
    const picker = document.getElementById("emoji-picker");
    if (picker.hidden) return;
    picker.hidden = true;
    const target = this.pickerTarget;
    this.pickerTarget = null;
    if (target && target.anchor && target.anchor.isConnected) target.anchor.focus();
  }
}

/** Order two ts strings ("1700000000.000100") as numbers, without float rounding. */
export function compareTs(a, b) {
  const [as, af = ""] = a.split(".");
  const [bs, bf = ""] = b.split(".");
  if (as.length !== bs.length) return as.length - bs.length;
  if (as !== bs) return as < bs ? -1 : 1;
  const fa = af.padEnd(6, "0");
  const fb = bf.padEnd(6, "0");
  return fa === fb ? 0 : fa < fb ? -1 : 1;
}
