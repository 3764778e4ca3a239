// One RTM socket from rtm.connect, reopened with back-off after goodbye or a drop.

const PING_INTERVAL_MS = 20000;
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 30000;
const SESSION_ENDED = new Set(["invalid_auth", "not_authed", "token_revoked", "account_inactive"]);

export class Rtm {
  /**
   * @param {import("./api.js").Api} api
   * @param {(event: object) => void} onEvent every frame from the server
   * @param {(state: string, detail?: string) => void} onState "connecting", "connected",
   *   "disconnected" (with the reason), and "reconnected" once a later hello arrives
   */
  constructor(api, onEvent, onState) {
    this.api = api;
    this.onEvent = onEvent;
    this.onState = onState;
    this.socket = null;
    this.nextId = 1;
    this.attempt = 0;
    this.everConnected = false;
    this.pingTimer = null;
    this.retryTimer = null;
    this.stopped = false;
  }

  async start() {
    this.stopped = false;
    this.onState("connecting");
    let url;
    try {
      const body = await this.api.call("rtm.connect", { batch_presence_aware: 1 });
      url = body.url;
    } catch (error) {
      // A session that has ended (signed out elsewhere, revoked, deactivated) never comes
      // back by retrying: say so once instead.
      if (SESSION_ENDED.has(error.error)) {
        this.stopped = true;
        this.onState("signed_out", error.error);
        return;
      }
      this.scheduleRetry(error.error || "connect_failed");
      return;
    }
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.addEventListener("message", (message) => this.receive(socket, message));
    socket.addEventListener("close", () => {
      if (this.socket !== socket) return;
      this.socket = null;
      clearInterval(this.pingTimer);
      this.scheduleRetry("connection_lost");
    });
    // A failed socket also fires close, which schedules the retry.
    socket.addEventListener("error", () => {});
  }

  receive(socket, message) {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return;
    }
    if (event.type === "hello") {
      const again = this.everConnected;
      this.everConnected = true;
      this.attempt = 0;
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.send({ type: "ping" }), PING_INTERVAL_MS);
      this.onState(again ? "reconnected" : "connected");
    } else if (event.type === "goodbye") {
      // The server is ending this socket: reconnect without waiting for the close.
      if (this.socket === socket) {
        this.socket = null;
        clearInterval(this.pingTimer);
        socket.close();
        this.scheduleRetry("goodbye");
      }
    }
    this.onEvent(event);
  }

  scheduleRetry(reason) {
    if (this.stopped) return;
    this.onState("disconnected", reason);
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** this.attempt);
    // Jitter keeps many clients from reconnecting in the same instant after a restart.
    const jittered = delay / 2 + Math.random() * (delay / 2);
    this.attempt += 1;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.start(), jittered);
  }

  /** Send one frame; false when no socket is open. */
  send(frame) {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify({ id: this.nextId++, ...frame }));
    return true;
  }

  stop() {
    this.stopped = true;
    clearInterval(this.pingTimer);
    clearTimeout(this.retryTimer);
    if (this.socket) this.socket.close();
    this.socket = null;
  }
}
