// Slack Block Kit blocks as DOM: section, context, divider, actions and header, with buttons
// and static selects whose use calls blocks.actions. Every text becomes text nodes (plain_text)
// or goes through renderText (mrkdwn); nothing is parsed as HTML and no URL is fetched.

import { ApiError } from "./api.js";
import { h, renderText } from "./render.js";

/** A text object ({type: "plain_text" | "mrkdwn", text}) as nodes; anything else as nothing. */
function textNodes(object, ctx) {
  if (!object || typeof object !== "object" || typeof object.text !== "string") return [];
  if (object.type === "mrkdwn") return renderText(object.text, ctx);
  return [document.createTextNode(object.text)];
}

/** A text object's words, for labels and select options (plain: no markup at all). */
function plain(object) {
  return object && typeof object.text === "string" ? object.text : "";
}

async function act(env, block, args) {
  try {
    await env.client.api.call("blocks.actions", {
      channel: env.channel,
      ts: env.message.ts,
      block_id: block.block_id,
      ...args,
    });
  } catch (error) {
    // blocks.actions may answer an error (no app listening, an older server): a notice only.
    env.client.notice(error instanceof ApiError ? `Action not sent: ${error.error}` : `Action not sent: ${error}`);
  }
}

function button(env, block, element) {
  const style = ["primary", "danger"].includes(element.style) ? ` ${element.style}` : "";
  return h(
    "button",
    {
      type: "button",
      className: `block-button${style}`,
      dataset: { actionId: element.action_id || "", value: element.value ?? "" },
      // A url button opens nothing by itself: its address is only shown on hover.
      title: typeof element.url === "string" ? element.url : undefined,
      onclick: () =>
        act(env, block, { action_id: element.action_id, value: element.value, type: "button" }),
    },
    plain(element.text),
  );
}

function staticSelect(env, block, element) {
  const flat = [];
  const optionElement = (option) => {
    flat.push(option);
    return h("option", { value: String(option.value ?? ""), dataset: { index: String(flat.length - 1) } }, plain(option.text));
  };
  const initial = element.initial_option && element.initial_option.value;
  const children = [];
  const placeholder = h("option", { value: "", disabled: true, className: "placeholder" }, plain(element.placeholder) || "Choose an option");
  children.push(placeholder);
  if (Array.isArray(element.option_groups)) {
    for (const group of element.option_groups) {
      children.push(h("optgroup", { label: plain(group.label) }, (group.options || []).map(optionElement)));
    }
  } else {
    for (const option of element.options || []) children.push(optionElement(option));
  }
  const select = h(
    "select",
    {
      className: "block-select",
      dataset: { actionId: element.action_id || "" },
      "aria-label": plain(element.placeholder) || "Choose an option",
    },
    children,
  );
  const chosen = initial === undefined ? -1 : flat.findIndex((option) => option.value === initial);
  if (chosen >= 0) select.querySelector(`option[data-index="${chosen}"]`).selected = true;
  else placeholder.selected = true;
  select.addEventListener("change", () => {
    const picked = select.selectedOptions[0];
    if (!picked || picked.dataset.index === undefined) return;
    const option = flat[Number(picked.dataset.index)];
    act(env, block, {
      action_id: element.action_id,
      value: option.value,
      type: "static_select",
      selected_option: JSON.stringify(option),
    });
  });
  return select;
}

/** An interactive element (button, static_select), an image as its alt text, or null. */
function element(env, block, item) {
  if (!item || typeof item !== "object") return null;
  if (item.type === "button") return button(env, block, item);
  if (item.type === "static_select") return staticSelect(env, block, item);
  if (item.type === "image") return h("span", { className: "block-image-alt", text: item.alt_text || "" });
  return null;
}

const RENDERERS = {
  section(env, block) {
    const text = textNodes(block.text, env.ctx);
    const fields = Array.isArray(block.fields) ? block.fields : [];
    const accessory = element(env, block, block.accessory);
    if (!text.length && !fields.length) return null;
    return h(
      "div",
      { className: "block block-section" },
      h(
        "div",
        { className: "block-section-body" },
        text.length ? h("div", { className: "block-text" }, text) : null,
        fields.length
          ? h("div", { className: "block-fields" }, fields.map((field) => h("div", { className: "block-field" }, textNodes(field, env.ctx))))
          : null,
      ),
      accessory ? h("div", { className: "block-accessory" }, accessory) : null,
    );
  },
  context(env, block) {
    const parts = (Array.isArray(block.elements) ? block.elements : []).map((item) =>
      item && item.type === "image"
        ? h("span", { className: "block-image-alt", text: item.alt_text || "" })
        : h("span", { className: "block-context-item" }, textNodes(item, env.ctx)),
    );
    return parts.length ? h("div", { className: "block block-context" }, parts) : null;
  },
  divider() {
    return h("hr", { className: "block block-divider" });
  },
  actions(env, block) {
    const items = (Array.isArray(block.elements) ? block.elements : [])
      .filter((item) => item && (item.type === "button" || item.type === "static_select"))
      .map((item) => element(env, block, item));
    return items.length ? h("div", { className: "block block-actions" }, items) : null;
  },
  header(env, block) {
    const text = plain(block.text);
    return text ? h("div", { className: "block block-header", role: "heading", "aria-level": "3", text }) : null;
  },
};

/**
 * A message's blocks as one element, or null when it has none that this client renders (then
 * the message's text is shown instead).
 * @param {object} client the Client
 * @param {object} message a Slack message object
 * @param {string} channel the conversation's id
 * @param {object} ctx renderText's context
 */
export function blocksElement(client, message, channel, ctx) {
  if (!Array.isArray(message.blocks) || !message.blocks.length) return null;
  const env = { client, message, channel, ctx };
  const rendered = [];
  for (const block of message.blocks) {
    if (!block || typeof block !== "object" || !Object.hasOwn(RENDERERS, block.type)) continue;
    const node = RENDERERS[block.type](env, block);
    if (node) {
      if (block.block_id) node.dataset.blockId = String(block.block_id);
      rendered.push(node);
    }
  }
  return rendered.length ? h("div", { className: "blocks" }, rendered) : null;
}
