// The standard emoji the picker offers by name, and the workspace's custom ones from emoji.list.

export const STANDARD_EMOJI = {
  "+1": "👍", thumbsup: "👍", "-1": "👎", thumbsdown: "👎", smile: "😄", grinning: "😀",
  joy: "😂", laughing: "😆", wink: "😉", blush: "😊", heart_eyes: "😍", thinking_face: "🤔",
  sob: "😭", cry: "😢", scream: "😱", sunglasses: "😎", neutral_face: "😐", confused: "😕",
  slightly_smiling_face: "🙂", upside_down_face: "🙃", rage: "😡", sweat_smile: "😅",
  heart: "❤️", broken_heart: "💔", tada: "🎉", fire: "🔥", rocket: "🚀", eyes: "👀",
  white_check_mark: "✅", heavy_check_mark: "✔️", x: "❌", warning: "⚠️", question: "❓",
  exclamation: "❗", clap: "👏", pray: "🙏", muscle: "💪", wave: "👋", ok_hand: "👌",
  raised_hands: "🙌", point_up: "☝️", star: "⭐", sparkles: "✨", zap: "⚡", bulb: "💡",
  bug: "🐛", coffee: "☕", beer: "🍺", pizza: "🍕", cake: "🍰", hourglass: "⌛",
  calendar: "📅", memo: "📝", pushpin: "📌", paperclip: "📎", lock: "🔒", key: "🔑",
  bell: "🔔", speech_balloon: "💬", robot_face: "🤖", 100: "💯", sunny: "☀️",
  umbrella: "☔", snowflake: "❄️", ghost: "👻", skull: "💀", see_no_evil: "🙈",
};

export class EmojiSet {
  constructor() {
    this.custom = {};
  }

  async load(api) {
    try {
      const body = await api.call("emoji.list");
      this.custom = body.emoji || {};
    } catch {
      this.custom = {};
    }
  }

  /** An alias chain (alias:name) to its final value, at most a few steps deep. */
  resolve(name) {
    let value = this.custom[name];
    for (let step = 0; step < 5 && typeof value === "string" && value.startsWith("alias:"); step += 1) {
      const target = value.slice(6);
      value = this.custom[target] ?? (STANDARD_EMOJI[target] ? `unicode:${STANDARD_EMOJI[target]}` : undefined);
    }
    return value;
  }

  /** A node for `:name:`, or null when the name is unknown. */
  node(name) {
    const custom = this.resolve(name);
    if (typeof custom === "string" && custom.startsWith("unicode:")) {
      return this.glyph(custom.slice(8), name);
    }
    if (typeof custom === "string" && /^(https?:|\/)/.test(custom)) {
      const url = new URL(custom, window.location.href);
      // The page's policy loads images from this server only: an outside one shows its name.
      if (url.origin !== window.location.origin) {
        const chip = this.glyph(`:${name}:`, name);
        chip.classList.add("custom-emoji");
        return chip;
      }
      const img = document.createElement("img");
      img.src = url.pathname + url.search;
      img.alt = `:${name}:`;
      img.title = `:${name}:`;
      img.className = "emoji custom-emoji";
      return img;
    }
    const glyph = STANDARD_EMOJI[name.split("::")[0]];
    return glyph ? this.glyph(glyph, name) : null;
  }

  glyph(text, name) {
    const span = document.createElement("span");
    span.className = "emoji";
    span.textContent = text;
    span.title = `:${name}:`;
    span.setAttribute("role", "img");
    span.setAttribute("aria-label", name);
    return span;
  }

  /** Every name the picker shows: custom emoji first, then the standard ones. */
  names() {
    const standard = Object.keys(STANDARD_EMOJI).filter((name) => !["thumbsup", "thumbsdown"].includes(name));
    return [...Object.keys(this.custom).sort(), ...standard];
  }
}
