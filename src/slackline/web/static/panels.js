// The side panel: a thread with its reply composer, a person's profile, search results, and
// the forms to create, browse, open a DM and invite.

import { formatTs, h, renderText } from "./render.js";
import { applyReaction, confirmInline, editInline, messageElement, textContext } from "./messages.js";
import { compareTs } from "./conversation.js";

export class Panels {
  constructor(client) {
    this.client = client;
    this.panel = document.getElementById("side-panel");
    this.body = document.getElementById("side-body");
    this.title = document.getElementById("side-title");
    this.threadForm = document.getElementById("thread-composer");
    this.threadInput = document.getElementById("thread-input");
    this.thread = null;
    document.getElementById("side-close").addEventListener("click", () => this.close());
    this.threadForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.client.guard(() => this.reply());
    });
    this.threadInput.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.client.guard(() => this.reply());
      }
    });
  }

  show(title, ...children) {
    this.thread = null;
    this.threadForm.hidden = true;
    this.title.textContent = title;
    this.body.replaceChildren(...children);
    this.panel.hidden = false;
    document.body.classList.add("panel-open");
  }

  close() {
    if (this.panel.hidden) return;
    this.panel.hidden = true;
    this.thread = null;
    document.body.classList.remove("panel-open");
    document.getElementById("composer-input").focus();
  }

  // --- threads ------------------------------------------------------------------------

  async openThread(channel, ts) {
    const body = await this.client.api.call("conversations.replies", { channel, ts, limit: 200 });
    this.show("Thread");
    this.thread = { channel, ts, messages: new Map(body.messages.map((m) => [m.ts, m])) };
    this.threadForm.hidden = false;
    document.getElementById("thread-broadcast").checked = false;
    this.renderThread();
    this.threadInput.focus();
  }

  renderThread() {
    const thread = this.thread;
    if (!thread) return;
    const options = {
      channel: thread.channel,
      inThread: true,
      onEdit: (message) => this.client.guard(() => this.edit(message)),
      onDelete: (message) => this.client.guard(() => this.remove(message)),
      onReact: (message, anchor) => this.client.view.openPicker(thread.channel, message, anchor),
    };
    const messages = [...thread.messages.values()].sort((a, b) => compareTs(a.ts, b.ts));
    this.body.replaceChildren(...messages.map((m) => messageElement(this.client, m, options)));
    this.body.scrollTop = this.body.scrollHeight;
  }

  async reply() {
    const text = this.threadInput.value.trim();
    if (!text || !this.thread) return;
    this.threadInput.value = "";
    const broadcast = document.getElementById("thread-broadcast");
    await this.client.api.call("chat.postMessage", {
      channel: this.thread.channel,
      thread_ts: this.thread.ts,
      text: this.client.view.encode(text),
      reply_broadcast: broadcast.checked ? "true" : undefined,
    });
    broadcast.checked = false;
  }

  inThread(channel, ts) {
    return this.thread && this.thread.channel === channel && this.thread.messages.has(ts);
  }

  addReply(message) {
    const thread = this.thread;
    if (!thread || thread.channel !== message.channel || message.thread_ts !== thread.ts) return;
    thread.messages.set(message.ts, message);
    this.renderThread();
  }

  applyChange(event) {
    const thread = this.thread;
    if (!thread || thread.channel !== event.channel) return;
    if (event.subtype === "message_deleted") {
      if (!thread.messages.delete(event.deleted_ts)) return;
    } else if (event.message && thread.messages.has(event.message.ts)) {
      thread.messages.set(event.message.ts, { ...thread.messages.get(event.message.ts), ...event.message });
    } else {
      return;
    }
    this.renderThread();
  }

  applyReaction(event, added) {
    const item = event.item || {};
    if (!this.inThread(item.channel, item.ts)) return;
    applyReaction(this.thread.messages.get(item.ts), event.reaction, event.user, added);
    this.renderThread();
  }

  element(ts) {
    return this.body.querySelector(`.message[data-ts="${CSS.escape(ts)}"]`);
  }

  async edit(message) {
    const element = this.element(message.ts);
    if (!element) return;
    const before = this.client.view.decode(message.text);
    const text = await editInline(element, before);
    if (text === null || text === before) return;
    await this.client.api.call("chat.update", { channel: this.thread.channel, ts: message.ts, text: this.client.view.encode(text) });
  }

  async remove(message) {
    const element = this.element(message.ts);
    if (!element || !(await confirmInline(element))) return;
    await this.client.api.call("chat.delete", { channel: this.thread.channel, ts: message.ts });
  }

  // --- people, search, channels -------------------------------------------------------

  async profile(userId) {
    const body = await this.client.api.call("users.info", { user: userId });
    const user = body.user;
    const profile = user.profile || {};
    const rows = [
      ["Name", profile.real_name || user.real_name || user.name],
      ["Display name", profile.display_name],
      ["Title", profile.title],
      ["Email", profile.email],
      ["Time zone", user.tz_label || user.tz],
    ].filter(([, value]) => value);
    const list = h("dl", { className: "profile" }, rows.flatMap(([key, value]) => [h("dt", { text: key }), h("dd", { text: value })]));
    const message = userId === this.client.selfId ? null : h("button", {
      type: "button",
      className: "small-button",
      text: "Message",
      onclick: () => this.client.guard(() => this.openDm([userId])),
    });
    this.show(this.client.userName(userId), h("p", {}, this.client.presenceDot(userId), ` @${user.name}`), list, message);
  }

  async search(query) {
    const body = await this.client.api.call("search.messages", { query, count: 50 });
    const matches = (body.messages && body.messages.matches) || [];
    const context = textContext(this.client);
    const items = matches.map((match) => {
      const channel = match.channel || {};
      return h(
        "li",
        {},
        h(
          "button",
          {
            type: "button",
            className: "search-hit",
            onclick: () => this.client.guard(() => this.client.select(channel.id)),
          },
          h("span", { className: "hit-meta", text: `#${channel.name || channel.id} · ${match.username || this.client.userName(match.user)} · ${formatTs(match.ts)}` }),
          h("span", { className: "hit-text" }, renderText(match.text || "", context)),
        ),
      );
    });
    const summary = h("p", { role: "status", text: `${matches.length} result${matches.length === 1 ? "" : "s"} for “${query}”` });
    this.show("Search", summary, h("ul", { className: "search-results" }, items));
  }

  createChannel() {
    const name = h("input", { id: "new-channel-name", required: true, pattern: "[a-z0-9_\\-]{1,80}", autocomplete: "off" });
    const secret = h("input", { id: "new-channel-private", type: "checkbox" });
    const form = h(
      "form",
      {
        className: "panel-form",
        onsubmit: (event) => {
          event.preventDefault();
          this.client.guard(async () => {
            const body = await this.client.api.call("conversations.create", { name: name.value.trim(), is_private: secret.checked ? "true" : undefined });
            await this.client.refreshConversation(body.channel.id);
            this.close();
            await this.client.select(body.channel.id);
          });
        },
      },
      h("label", { for: "new-channel-name", text: "Name (lower case, digits, - and _)" }),
      name,
      h("label", { className: "checkbox" }, secret, " Private"),
      h("button", { type: "submit", className: "small-button", text: "Create" }),
    );
    this.show("Create a channel", form);
    name.focus();
  }

  async browse() {
    const channels = await this.client.api.all("conversations.list", "channels", { types: "public_channel", exclude_archived: true });
    const items = channels
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((channel) => {
        const member = this.client.convs.has(channel.id);
        return h(
          "li",
          {},
          h("span", { className: "name", text: `#${channel.name}` }),
          h("button", {
            type: "button",
            className: "small-button",
            "aria-label": `${member ? "Open" : "Join"} #${channel.name}`,
            text: member ? "Open" : "Join",
            onclick: () =>
              this.client.guard(async () => {
                if (!member) await this.client.api.call("conversations.join", { channel: channel.id });
                await this.client.refreshConversation(channel.id);
                this.close();
                await this.client.select(channel.id);
              }),
          }),
        );
      });
    this.show("Channels", h("ul", { className: "browse-list" }, items));
  }

  peoplePicker(title, exclude, submitLabel, onPick) {
    const boxes = [...this.client.users.values()]
      .filter((user) => !user.deleted && !exclude.has(user.id))
      .sort((a, b) => this.client.userName(a.id).localeCompare(this.client.userName(b.id)))
      .map((user) =>
        h("li", {}, h("label", { className: "checkbox" }, h("input", { type: "checkbox", value: user.id }), this.client.presenceDot(user.id), ` ${this.client.userName(user.id)}`)),
      );
    const form = h(
      "form",
      {
        className: "panel-form",
        onsubmit: (event) => {
          event.preventDefault();
          const ids = [...form.querySelectorAll("input:checked")].map((box) => box.value);
          if (ids.length) this.client.guard(() => onPick(ids));
        },
      },
      h("ul", { className: "people-list" }, boxes),
      h("button", { type: "submit", className: "small-button", text: submitLabel }),
    );
    this.show(title, form);
  }

  newDm() {
    this.peoplePicker("Direct message", new Set([this.client.selfId]), "Open", (ids) => this.openDm(ids));
  }

  async openDm(ids) {
    const body = await this.client.api.call("conversations.open", { users: ids.join(",") });
    await this.client.refreshConversation(body.channel.id);
    this.close();
    await this.client.select(body.channel.id);
  }

  async invite(channel) {
    const members = await this.client.api.all("conversations.members", "members", { channel });
    this.peoplePicker("Invite to this channel", new Set(members), "Invite", async (ids) => {
      await this.client.api.call("conversations.invite", { channel, users: ids.join(",") });
      this.close();
    });
  }
}
