// The Web API, as any client calls it: POST /api/<method>, form-encoded, token in the body.
// The session cookie goes along by itself (same origin), which xoxc- tokens require.

export class ApiError extends Error {
  constructor(method, error, body) {
    super(`${method}: ${error}`);
    this.method = method;
    this.error = error;
    this.body = body;
  }
}

export class Api {
  constructor(boot) {
    this.token = boot.token;
    this.base = boot.api || "/api/";
  }

  /** Call one method; resolves with the answer, rejects with ApiError when ok is false. */
  async call(method, args = {}) {
    const form = new URLSearchParams();
    form.set("token", this.token);
    for (const [key, value] of Object.entries(args)) {
      if (value === undefined || value === null) continue;
      form.set(key, typeof value === "object" ? JSON.stringify(value) : String(value));
    }
    const response = await fetch(this.base + method, {
      method: "POST",
      body: form,
      credentials: "same-origin",
    });
    let body;
    try {
      body = await response.json();
    } catch {
      throw new ApiError(method, `http_${response.status}`, null);
    }
    if (!body.ok) throw new ApiError(method, body.error || "unknown_error", body);
    return body;
  }

  /** Every page of a cursor-paged list method, joined on `key`. */
  async all(method, key, args = {}) {
    const items = [];
    let cursor = "";
    for (let page = 0; page < 50; page += 1) {
      const body = await this.call(method, { limit: 200, ...args, cursor: cursor || undefined });
      items.push(...(body[key] || []));
      cursor = body.response_metadata && body.response_metadata.next_cursor;
      if (!cursor) break;
    }
    return items;
  }

  /** A URL the server gave, made same-origin (the page may connect only to its own origin). */
  static local(url) {
    const parsed = new URL(url, window.location.href);
    return parsed.pathname + parsed.search;
  }

  /** A file's bytes as a blob: file URLs take the token as a Bearer header, as Slack's do. */
  async fileBlob(url) {
    const response = await fetch(Api.local(url), {
      headers: { Authorization: `Bearer ${this.token}` },
      credentials: "same-origin",
    });
    if (!response.ok) throw new ApiError("file", `http_${response.status}`, null);
    return response.blob();
  }

  /** Upload one file the way Slack's current API does: get a URL, post the bytes, complete. */
  async upload(file, channel, threadTs) {
    const opened = await this.call("files.getUploadURLExternal", {
      filename: file.name,
      length: file.size,
    });
    const posted = await fetch(Api.local(opened.upload_url), {
      method: "POST",
      body: file,
      credentials: "same-origin",
    });
    if (!posted.ok) throw new ApiError("upload", `http_${posted.status}`, null);
    return this.call("files.completeUploadExternal", {
      files: [{ id: opened.file_id, title: file.name }],
      channel_id: channel,
      thread_ts: threadTs,
    });
  }
}
