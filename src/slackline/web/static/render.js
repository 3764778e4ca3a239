// Message text to DOM nodes without parsing HTML: user text only ever becomes text nodes,
// and links are only http(s) or mailto.

const TOKEN = /<([^<>]+)>|(https?:\/\/[^\s<>]+)|`([^`\n]+)`|\*([^*\n]+)\*|_([^_\n]+)_|~([^~\n]+)~|:([a-z0-9_+'-]+):/g;

/** Unescape Slack's three escapes (&amp; &lt; &gt;); the result goes into text nodes only. */
export function unescape(text) {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function safeUrl(url) {
  try {
    const parsed = new URL(url);
    return ["http:", "https:", "mailto:"].includes(parsed.protocol) ? parsed.href : null;
  } catch {
    return null;
  }
}

function link(url, label) {
  const safe = safeUrl(url);
  if (!safe) return document.createTextNode(label);
  const a = document.createElement("a");
  a.href = safe;
  a.textContent = label;
  a.target = "_blank";
  a.rel = "noopener noreferrer";
  return a;
}

function mention(className, label, data) {
  const span = document.createElement("span");
  span.className = `mention ${className}`;
  span.textContent = label;
  for (const [key, value] of Object.entries(data)) span.dataset[key] = value;
  return span;
}

function styled(tag, text, ctx) {
  const element = document.createElement(tag);
  element.append(...renderText(text, ctx));
  return element;
}

function angle(inner, ctx) {
  const [target, label] = inner.split("|", 2);
  if (target.startsWith("@")) {
    const id = target.slice(1);
    const cls = id === ctx.selfId ? "user self" : "user";
    return mention(cls, `@${label || ctx.userName(id)}`, { user: id });
  }
  if (target.startsWith("#")) {
    const id = target.slice(1);
    return mention("channel", `#${label || ctx.channelName(id)}`, { channel: id });
  }
  if (target.startsWith("!")) {
    const word = target.slice(1).split("^")[0];
    return mention("broadcast", `@${label || word}`, {});
  }
  return link(unescape(target), unescape(label || target));
}

/**
 * Nodes for one message's text.
 * @param {string} text Slack-formatted text
 * @param {{userName(id): string, channelName(id): string, emoji(name): Node|null, selfId: string}} ctx
 */
export function renderText(text, ctx) {
  const nodes = [];
  let last = 0;
  TOKEN.lastIndex = 0;
  const source = text || "";
  for (const match of source.matchAll(TOKEN)) {
    if (match.index > last) nodes.push(document.createTextNode(unescape(source.slice(last, match.index))));
    last = match.index + match[0].length;
    const [whole, inner, bare, code, bold, italic, strike, emojiName] = match;
    if (inner !== undefined) nodes.push(angle(inner, ctx));
    else if (bare !== undefined) nodes.push(link(unescape(bare), unescape(bare)));
    else if (code !== undefined) {
      const element = document.createElement("code");
      element.textContent = unescape(code);
      nodes.push(element);
    } else if (bold !== undefined) nodes.push(styled("strong", bold, ctx));
    else if (italic !== undefined) nodes.push(styled("em", italic, ctx));
    else if (strike !== undefined) nodes.push(styled("s", strike, ctx));
    else if (emojiName !== undefined) nodes.push(ctx.emoji(emojiName) || document.createTextNode(whole));
  }
  if (last < source.length) nodes.push(document.createTextNode(unescape(source.slice(last))));
  return nodes;
}

/** Whether a message's text mentions the user (directly, or @here/@channel/@everyone). */
export function mentions(text, userId) {
  if (!text) return false;
  return text.includes(`<@${userId}>`) || text.includes(`<@${userId}|`) || /<!(here|channel|everyone)[|>^]/.test(text);
}

/** "14:05" for a ts; the date too when it is not today. */
export function formatTs(ts) {
  const date = new Date(Number.parseFloat(ts) * 1000);
  const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return date.toDateString() === new Date().toDateString() ? time : `${date.toLocaleDateString()} ${time}`;
}

/** A small element builder: tag, attributes (className, dataset, aria-*, on* handlers), children. */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "className") element.className = value;
    else if (key === "dataset") Object.assign(element.dataset, value);
    else if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
    else if (key === "text") element.textContent = value;
    else element.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return element;
}
