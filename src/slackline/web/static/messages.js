// One message as DOM: author, time, text, files, reactions and its actions; shared by the
// conversation and the thread panel. Nothing a person wrote is parsed as HTML.

import { blocksElement } from "./blocks.js";
import { formatTs, h, renderText } from "./render.js";

/** The context renderText needs, from the client. */
export function textContext(client) {
  return {
    selfId: client.selfId,
    userName: (id) => client.userName(id),
    channelName: (id) => client.channelName(id),
    emoji: (name) => client.emoji.node(name),
  };
}

function authorName(client, message) {
  if (message.user) return client.userName(message.user);
  return message.username || (message.bot_profile && message.bot_profile.name) || "bot";
}

function fileElement(client, file) {
  const name = file.title || file.name || "file";
  const download = h("button", {
    type: "button",
    className: "file-download",
    "aria-label": `Download ${name}`,
    onclick: () =>
      client.guard(async () => {
        const blob = await client.api.fileBlob(file.url_private_download || file.url_private);
        const url = URL.createObjectURL(blob);
        const anchor = h("a", { href: url, download: file.name || name });
        document.body.append(anchor);
        anchor.click();
        anchor.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10000);
      }),
  }, `⬇ ${name}`);
  const box = h("div", { className: "file", dataset: { file: file.id || "" } }, download);
  if (file.mode === "tombstone" || file.mode === "hidden_by_limit") {
    return h("div", { className: "file gone", text: "This file was deleted." });
  }
  if ((file.mimetype || "").startsWith("image/") && file.url_private) {
    const img = h("img", { className: "file-image", alt: name });
    box.prepend(img);
    // Files need the token as a Bearer header, so an <img src> cannot fetch them itself.
    client.api.fileBlob(file.url_private).then(
      (blob) => {
        img.src = URL.createObjectURL(blob);
      },
      () => img.replaceWith(h("span", { className: "file-missing", text: `${name} (not available)` })),
    );
  }
  return box;
}

function reactionsElement(client, message, channel) {
  const chips = (message.reactions || []).map((reaction) => {
    const mine = (reaction.users || []).includes(client.selfId);
    const emoji = client.emoji.node(reaction.name) || document.createTextNode(`:${reaction.name}:`);
    return h(
      "button",
      {
        type: "button",
        className: `reaction${mine ? " mine" : ""}`,
        dataset: { reaction: reaction.name },
        "aria-pressed": String(mine),
        "aria-label": `${reaction.name}, ${reaction.count}, ${mine ? "remove yours" : "add yours"}`,
        onclick: () =>
          client.guard(() =>
            client.api.call(mine ? "reactions.remove" : "reactions.add", {
              channel,
              timestamp: message.ts,
              name: reaction.name,
            }),
          ),
      },
      emoji,
      h("span", { className: "count", text: String(reaction.count) }),
    );
  });
  return h("div", { className: "reactions" }, chips);
}

/**
 * A message element.
 * @param {object} client the Client
 * @param {object} message a Slack message object
 * @param {{channel: string, inThread?: boolean, onReply?: Function, onEdit?: Function,
 *   onDelete?: Function, onReact?: Function}} options
 */
export function messageElement(client, message, options) {
  const own = message.user === client.selfId;
  const author = authorName(client, message);
  const isMe = message.subtype === "me_message";
  const system = message.subtype && !["bot_message", "me_message", "file_share", "thread_broadcast"].includes(message.subtype);
  const ctx = textContext(client);
  // Blocks, when any render, replace the text (as in Slack, which shows the text only as the
  // notification's fallback); otherwise the text is the message.
  const blocks = blocksElement(client, message, options.channel, ctx);
  const text = blocks
    ? h("div", { className: "text with-blocks" }, blocks)
    : h("div", { className: `text${isMe ? " me" : ""}` }, renderText(message.text || "", ctx));
  if (message.edited) text.append(h("span", { className: "edited", text: " (edited)" }));
  const actions = h(
    "div",
    { className: "actions", role: "toolbar", "aria-label": "Message actions" },
    h("button", { type: "button", className: "act-react", "aria-label": "Add reaction", onclick: (e) => options.onReact(message, e.currentTarget) }, "☺"),
    options.inThread ? null : h("button", { type: "button", className: "act-reply", "aria-label": "Reply in thread", onclick: () => options.onReply(message) }, "↩"),
    own && !system ? h("button", { type: "button", className: "act-edit", "aria-label": "Edit message", onclick: () => options.onEdit(message) }, "✎") : null,
    own && !system ? h("button", { type: "button", className: "act-delete", "aria-label": "Delete message", onclick: () => options.onDelete(message) }, "🗑") : null,
  );
  const header = h(
    "div",
    { className: "meta" },
    message.user ? client.presenceDot(message.user) : null,
    h("button", {
      type: "button",
      className: "author link-button",
      onclick: () => message.user && client.panels.profile(message.user),
      text: author,
    }),
    h("time", { dateTime: new Date(Number.parseFloat(message.ts) * 1000).toISOString(), text: formatTs(message.ts) }),
    message.subtype === "thread_broadcast" ? h("span", { className: "broadcast-note", text: "replied to a thread" }) : null,
  );
  const element = h(
    "article",
    {
      className: `message${system ? " system" : ""}${own ? " own" : ""}`,
      dataset: { ts: message.ts, user: message.user || "" },
      "aria-label": `${author} at ${formatTs(message.ts)}`,
      tabindex: "-1",
    },
    header,
    text,
    (message.files || []).map((file) => fileElement(client, file)),
    reactionsElement(client, message, options.channel),
    !options.inThread && message.reply_count
      ? h("button", {
          type: "button",
          className: "replies link-button",
          onclick: () => options.onReply(message),
          text: `${message.reply_count} ${message.reply_count === 1 ? "reply" : "replies"}`,
        })
      : null,
    system ? null : actions,
  );
  return element;
}

/** Apply a reaction event to a message object in place. */
export function applyReaction(message, name, user, added) {
  const reactions = message.reactions || [];
  let reaction = reactions.find((r) => r.name === name);
  if (added) {
    if (!reaction) {
      reaction = { name, users: [], count: 0 };
      reactions.push(reaction);
    }
    if (!reaction.users.includes(user)) {
      reaction.users.push(user);
      reaction.count += 1;
    }
  } else if (reaction && reaction.users.includes(user)) {
    reaction.users = reaction.users.filter((u) => u !== user);
    reaction.count -= 1;
  }
  message.reactions = reactions.filter((r) => r.count > 0);
}

/** An inline editor replacing a message's text; resolves with the new text, or null. */
export function editInline(element, initial) {
  return new Promise((resolve) => {
    const textNode = element.querySelector(".text");
    const area = h("textarea", { className: "edit-input", "aria-label": "Edit message" });
    area.value = initial;
    const done = (value) => {
      form.replaceWith(textNode);
      resolve(value);
    };
    const form = h(
      "form",
      { className: "edit-form", onsubmit: (e) => { e.preventDefault(); done(area.value); } },
      area,
      h("button", { type: "submit", className: "small-button", text: "Save" }),
      h("button", { type: "button", className: "small-button", text: "Cancel", onclick: () => done(null) }),
    );
    area.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) {
        e.preventDefault();
        done(area.value);
      } else if (e.key === "Escape") {
        e.stopPropagation();
        done(null);
      }
    });
    textNode.replaceWith(form);
    area.focus();
  });
}

/** An inline "delete this message?" question; resolves true when confirmed. */
export function confirmInline(element) {
  return new Promise((resolve) => {
    const done = (value) => {
      box.remove();
      resolve(value);
    };
    const box = h(
      "div",
      { className: "confirm", role: "alertdialog", "aria-label": "Delete this message?" },
      "Delete this message? ",
      h("button", { type: "button", className: "small-button danger confirm-yes", text: "Delete", onclick: () => done(true) }),
      h("button", { type: "button", className: "small-button", text: "Cancel", onclick: () => done(false) }),
    );
    element.append(box);
    box.querySelector(".confirm-yes").focus();
  });
}
