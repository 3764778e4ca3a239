/* loadgen: the benchmark's load generator. One epoll loop, 127.0.0.1 only, bounded.
 *
 *   loadgen http  -p PORT -c CONNS -s SECS -t TOKENS [-r RATE]
 *       CONNS keep-alive connections POST /api/rtm.connect back to back, each request with
 *       the next token of TOKENS (one per line), for 1 s of warm-up and SECS measured.
 *       -r: open loop instead, RATE requests per second on a timer, each sent by an idle
 *       connection; latency counts from the scheduled time, so a server that falls behind
 *       is charged for the wait (no coordinated omission).
 *   loadgen rtm   -p PORT [-q PORT2] -n SESSIONS -t TOKENS [-w] [-H SECS] [-m MSGS -r RATE
 *                 -C CHANNEL -P POSTER_TOKEN -k RECEIVERS -W POSTERS [-F IN_FLIGHT]] [-e FRAMES]
 *       (-q: every other session calls rtm.connect on PORT2, a second process of a cluster;
 *       the poster always posts to PORT.)
 *       SESSIONS clients at once: rtm.connect, upgrade to the returned ws:// URL (its port;
 *       the host is always 127.0.0.1), wait for hello. Prints a "connected" line, holds -H
 *       seconds, waits for a line on stdin with -w, then posts MSGS messages (RATE per
 *       second, 0 = as fast as POSTERS keep-alive connections with IN_FLIGHT posts in flight
 *       each allow; IN_FLIGHT > 1 pipelines them on the connection, default 1) whose text
 *       carries the send time; each receiver records post-to-read latency. The last line
 *       says how many sessions are still open and the fewest and most posts one session
 *       received. -e: expect FRAMES marked frames per session with no poster (the flood
 *       check).
 *   loadgen flood -p PORT -n SESSIONS -f FRAMES -b PER_WRITE
 *       A trivial server: answers rtm.connect, upgrades, sends hello, and once SESSIONS
 *       sockets are open writes FRAMES marked frames to each, PER_WRITE per write call.
 *
 * Results are JSON lines on stdout. Every mode ends by itself: SIGALRM ends the process
 * after 300 s, or after -T SECS (at most MAX_RUN_CAP_SECS, for the soak).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_RUN_SECS 300       /* the default bound of a run */
#define MAX_RUN_CAP_SECS 7200  /* -T may raise it this far (2 h), no further */
#define STORM_TIMEOUT_SECS 60
#define QUIET_TIMEOUT_SECS 5
#define MAX_EVENTS 1024
#define INITIAL_BUF 8192
#define MARKER "zzt"
/* What a receiver looks for: the text's "bench " before the marker and a digit after it.
 * The bare marker also turns up in random socket tickets (a reconnect_url event's URL):
 * the first soak counted 12 such frames of 100,000 as deliveries. */
#define FRAME_MARKER "bench " MARKER
#define FRAME_MARKER_LEN (sizeof FRAME_MARKER - 1)

enum kind { SESSION, POSTER, HTTP_CLIENT, FLOOD_PEER };
enum state { HTTP_CONNECTING, HTTP_WAIT, WS_CONNECTING, WS_UPGRADE, OPEN, DONE, FAILED };

struct conn {
    int fd, kind, state, index, got_hello;
    int pending;   /* a poster's posts in flight on this connection */
    long received; /* a session's marked frames */
    char *buf;
    size_t len, cap;
    int64_t started_ns;
    char path[256];
    int ws_port;
};

static int epfd;
static int port;
static int second_port; /* -q: every other session asks this server for its socket */
static char **tokens;
static int token_count;
static uint32_t *latencies_us; /* post-to-read (rtm) or request (http) latencies */
static size_t latency_count, latency_cap;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what) {
    perror(what);
    exit(2);
}

static void record_latency(int64_t ns) {
    if (latency_count == latency_cap) {
        latency_cap = latency_cap ? latency_cap * 2 : 65536;
        latencies_us = realloc(latencies_us, latency_cap * sizeof *latencies_us);
        if (!latencies_us) die("realloc");
    }
    latencies_us[latency_count++] = (uint32_t)(ns > 0 ? ns / 1000 : 0);
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static double percentile_ms(double p) {
    if (!latency_count) return -1;
    size_t i = (size_t)(p * (double)(latency_count - 1) + 0.5);
    return latencies_us[i] / 1000.0;
}

static void load_tokens(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) die(path);
    char line[512];
    int cap = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!*line) continue;
        if (token_count == cap) {
            cap = cap ? cap * 2 : 1024;
            tokens = realloc(tokens, (size_t)cap * sizeof *tokens);
        }
        tokens[token_count++] = strdup(line);
    }
    fclose(f);
    if (!token_count) {
        fprintf(stderr, "no tokens in %s\n", path);
        exit(2);
    }
}

/* sockets */

static int open_socket(int to_port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) die("socket");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)to_port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

/* A connected socket (the poster's), then non-blocking. */
static int open_blocking(int to_port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    if (fd < 0) die("socket");
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)to_port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("connect");
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

static void watch(struct conn *c, uint32_t events, int op) {
    struct epoll_event ev = {.events = events, .data.ptr = c};
    if (epoll_ctl(epfd, op, c->fd, &ev) < 0) die("epoll_ctl");
}

static int send_all(int fd, const char *data, size_t len) {
    while (len) { /* requests are small: the socket buffer takes them whole */
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads what is available into c->buf; 0 on EOF or error, 1 otherwise. */
static int read_some(struct conn *c) {
    for (;;) {
        if (c->cap - c->len < 4096) {
            c->cap = c->cap ? c->cap * 2 : INITIAL_BUF;
            c->buf = realloc(c->buf, c->cap);
            if (!c->buf) die("realloc");
        }
        ssize_t n = read(c->fd, c->buf + c->len, c->cap - c->len);
        if (n > 0) {
            c->len += (size_t)n;
            if ((size_t)n < c->cap - c->len + (size_t)n) return 1;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 1;
        return 0;
    }
}

static void consume(struct conn *c, size_t used) {
    memmove(c->buf, c->buf + used, c->len - used);
    c->len -= used;
}

/* HTTP/1.1: the length of a whole response (or request) in buf, 0 if incomplete. */
static size_t http_message_length(const char *buf, size_t len, int *status) {
    const char *end = memmem(buf, len, "\r\n\r\n", 4);
    if (!end) return 0;
    size_t head = (size_t)(end - buf) + 4, body = 0;
    for (const char *p = buf; p < end; p++) {
        if ((*p == '\n') && !strncasecmp(p + 1, "content-length:", 15)) {
            body = strtoul(p + 16, NULL, 10);
            break;
        }
    }
    if (status) *status = (len > 12 && !strncmp(buf, "HTTP/1.", 7)) ? atoi(buf + 9) : 0;
    return len >= head + body ? head + body : 0;
}

/* A POST to 127.0.0.1:to_port; the server builds the socket URL from this Host header. */
static int format_post(char *out, size_t size, int to_port, const char *path, const char *form) {
    return snprintf(out, size,
                    "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                    "Content-Type: application/x-www-form-urlencoded\r\n"
                    "Content-Length: %zu\r\n\r\n%s",
                    path, to_port, strlen(form), form);
}

/* ------------------------------------------------------------------ http mode (W1) */

static int64_t measure_from, measure_until;
static long http_done, http_errors;
static int next_token;
/* Open loop (-r): requests due on the timer wait for an idle connection. */
static int64_t http_period_ns, http_next_due_ns;
static struct conn **http_idle;
static int http_idle_count;
static long http_late; /* requests that found no idle connection at their time */

static void http_send_due(void);

static void http_send_at(struct conn *c, int64_t scheduled_ns) {
    char form[600], request[1024];
    snprintf(form, sizeof form, "token=%s", tokens[next_token++ % token_count]);
    int n = format_post(request, sizeof request, port, "/api/rtm.connect", form);
    c->started_ns = scheduled_ns;
    if (send_all(c->fd, request, (size_t)n) < 0) c->state = FAILED;
}

static void http_send(struct conn *c) {
    if (http_period_ns) {
        http_idle[http_idle_count++] = c;
        http_send_due(); /* a request may be overdue */
        return;
    }
    http_send_at(c, now_ns());
}

/* Open loop: send every request whose time has come, as long as a connection is idle. */
static void http_send_due(void) {
    int64_t t = now_ns();
    while (http_next_due_ns <= t && t < measure_until) {
        if (!http_idle_count) {
            http_late++;
            return;
        }
        http_send_at(http_idle[--http_idle_count], http_next_due_ns);
        http_next_due_ns += http_period_ns;
    }
}

static int open_timer(int64_t period_ns) {
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    if (fd < 0) die("timerfd_create");
    struct itimerspec every = {
        .it_interval = {.tv_sec = period_ns / 1000000000LL, .tv_nsec = period_ns % 1000000000LL},
        .it_value = {.tv_sec = 0, .tv_nsec = 1},
    };
    if (timerfd_settime(fd, 0, &every, NULL) < 0) die("timerfd_settime");
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl timer");
    return fd;
}

static void http_readable(struct conn *c) {
    if (!read_some(c)) {
        c->state = FAILED;
        close(c->fd);
        http_errors++;
        return;
    }
    int status;
    size_t whole;
    while ((whole = http_message_length(c->buf, c->len, &status))) {
        int64_t t = now_ns();
        int ok = status == 200 && memmem(c->buf, whole, "\"ok\":true", 9);
        consume(c, whole);
        if (t >= measure_from && t < measure_until) {
            if (ok) {
                http_done++;
                record_latency(t - c->started_ns);
            } else {
                http_errors++;
            }
        }
        if (t < measure_until) http_send(c);
    }
}

static int run_http(int conns, int secs, int rate) {
    struct conn *all = calloc((size_t)conns, sizeof *all);
    http_idle = calloc((size_t)conns, sizeof *http_idle);
    for (int i = 0; i < conns; i++) {
        all[i].kind = HTTP_CLIENT;
        all[i].fd = open_socket(port);
        if (all[i].fd < 0) die("connect");
        all[i].state = HTTP_CONNECTING;
        watch(&all[i], EPOLLOUT, EPOLL_CTL_ADD);
    }
    int64_t start = now_ns();
    measure_from = start + 1000000000LL; /* one second of warm-up */
    measure_until = measure_from + (int64_t)secs * 1000000000LL;
    int timer = -1;
    if (rate > 0) {
        http_period_ns = 1000000000LL / rate;
        http_next_due_ns = start;
        /* A tick per request at most every 100 us: each tick sends whatever is due. */
        timer = open_timer(http_period_ns > 100000 ? http_period_ns : 100000);
    }
    struct epoll_event events[MAX_EVENTS];
    while (now_ns() < measure_until + 1000000000LL) {
        int n = epoll_wait(epfd, events, MAX_EVENTS, 100);
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (c == NULL) { /* the open-loop timer */
                uint64_t ticks;
                if (read(timer, &ticks, sizeof ticks) < 0 && errno != EAGAIN) die("timer");
                http_send_due();
            } else if (c->state == HTTP_CONNECTING) {
                c->state = HTTP_WAIT;
                watch(c, EPOLLIN, EPOLL_CTL_MOD);
                http_send(c);
            } else if (c->state == HTTP_WAIT) {
                http_readable(c);
            }
        }
    }
    qsort(latencies_us, latency_count, sizeof *latencies_us, cmp_u32);
    printf("{\"phase\":\"done\",\"requests\":%ld,\"errors\":%ld,\"secs\":%d,\"rate\":%d,"
           "\"late\":%ld,\"requests_per_sec\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
           "\"p999_ms\":%.3f}\n",
           http_done, http_errors, secs, rate, http_late, (double)http_done / secs,
           percentile_ms(0.5), percentile_ms(0.99), percentile_ms(0.999));
    return 0;
}

/* ------------------------------------------------------------------ rtm mode (W2-W5) */

static int sessions_total, hello_count, failed_count, closed_after_hello;
static long deliveries, other_frames;
static int64_t first_post_ns, first_delivery_ns, last_delivery_ns;
static uint32_t *connect_us;

static void session_fail(struct conn *c) {
    if (c->state == FAILED || c->state == DONE) return;
    if (c->got_hello) {
        closed_after_hello++;
        c->state = DONE;
    } else {
        failed_count++;
        c->state = FAILED;
    }
    close(c->fd);
}

static void on_text(struct conn *c, const char *p, size_t n, int64_t t) {
    if (!c->got_hello) {
        if (memmem(p, n, "\"hello\"", 7)) {
            c->got_hello = 1;
            hello_count++;
            connect_us[c->index] = (uint32_t)((t - c->started_ns) / 1000);
        }
        return;
    }
    const char *m = memmem(p, n, FRAME_MARKER, FRAME_MARKER_LEN);
    const char *digits = m ? m + FRAME_MARKER_LEN : NULL;
    if (!m || digits >= p + n || *digits < '0' || *digits > '9') {
        other_frames++;
        return;
    }
    int64_t sent = strtoll(digits, NULL, 10);
    deliveries++;
    c->received++;
    if (!first_delivery_ns) first_delivery_ns = t;
    last_delivery_ns = t;
    record_latency(t - sent);
}

static void parse_frames(struct conn *c, int64_t t) {
    size_t off = 0;
    const unsigned char *b = (const unsigned char *)c->buf;
    while (c->len - off >= 2) {
        size_t avail = c->len - off, head = 2;
        uint64_t n = b[off + 1] & 0x7f;
        int opcode = b[off] & 0x0f;
        if (n == 126) {
            if (avail < 4) break;
            n = (uint64_t)b[off + 2] << 8 | b[off + 3];
            head = 4;
        } else if (n == 127) {
            if (avail < 10) break;
            n = 0;
            for (int i = 0; i < 8; i++) n = n << 8 | b[off + 2 + i];
            head = 10;
        }
        if (avail < head + n) break;
        if (opcode == 1) on_text(c, c->buf + off + head, (size_t)n, t);
        off += head + (size_t)n;
        if (opcode == 8) {
            consume(c, off);
            session_fail(c);
            return;
        }
    }
    consume(c, off);
}

/* The server a session asks for its socket: every other one the second, with -q. */
static int session_port(const struct conn *c) {
    return second_port && c->index % 2 ? second_port : port;
}

static void session_start(struct conn *c) {
    c->fd = open_socket(session_port(c));
    c->state = HTTP_CONNECTING;
    c->started_ns = now_ns();
    if (c->fd < 0) {
        failed_count++;
        c->state = FAILED;
        return;
    }
    watch(c, EPOLLOUT, EPOLL_CTL_ADD);
}

/* "url":"ws://127.0.0.1:PORT/path" from an rtm.connect body; 0 if absent. */
static int parse_socket_url(struct conn *c, const char *body, size_t len) {
    const char *u = memmem(body, len, "\"url\":\"", 7);
    if (!u) return 0;
    u += 7;
    char url[512];
    size_t n = 0;
    for (; u < body + len && *u != '"' && n < sizeof url - 1; u++)
        if (*u != '\\') url[n++] = *u;
    url[n] = 0;
    const char *rest = strncmp(url, "ws://", 5) ? NULL : url + 5;
    const char *colon = rest ? strchr(rest, ':') : NULL;
    const char *slash = rest ? strchr(rest, '/') : NULL;
    if (!slash) return 0;
    c->ws_port = colon && colon < slash ? atoi(colon + 1) : 80;
    snprintf(c->path, sizeof c->path, "%s", slash);
    return 1;
}

static void session_writable(struct conn *c) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) {
        session_fail(c);
        return;
    }
    char request[1024];
    int n;
    if (c->state == HTTP_CONNECTING) {
        char form[600];
        snprintf(form, sizeof form, "token=%s", tokens[c->index % token_count]);
        n = format_post(request, sizeof request, session_port(c), "/api/rtm.connect", form);
        c->state = HTTP_WAIT;
    } else {
        n = snprintf(request, sizeof request,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n",
                     c->path, c->ws_port);
        c->state = WS_UPGRADE;
    }
    watch(c, EPOLLIN, EPOLL_CTL_MOD);
    if (send_all(c->fd, request, (size_t)n) < 0) session_fail(c);
}

static void session_readable(struct conn *c, int64_t t) {
    int alive = read_some(c);
    int status;
    size_t whole;
    if (c->state == HTTP_WAIT && (whole = http_message_length(c->buf, c->len, &status))) {
        const char *body = memmem(c->buf, whole, "\r\n\r\n", 4) + 4;
        int ok = status == 200 && parse_socket_url(c, body, whole - (size_t)(body - c->buf));
        epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd); /* one socket per session at a time */
        c->len = 0;
        if (!ok) {
            failed_count++;
            c->state = FAILED;
            return;
        }
        c->fd = open_socket(c->ws_port);
        if (c->fd < 0) {
            failed_count++;
            c->state = FAILED;
            return;
        }
        c->state = WS_CONNECTING;
        watch(c, EPOLLOUT, EPOLL_CTL_ADD);
        return;
    }
    if (c->state == WS_UPGRADE) {
        const char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
        if (end) {
            if (strncmp(c->buf, "HTTP/1.1 101", 12)) {
                session_fail(c);
                return;
            }
            consume(c, (size_t)(end - c->buf) + 4);
            c->state = OPEN;
        }
    }
    if (c->state == OPEN) parse_frames(c, t);
    if (!alive) session_fail(c);
}

/* The posters: POSTERS keep-alive connections, each with at most IN_FLIGHT chat.postMessage
 * calls in flight; beyond one they are pipelined (HTTP/1.1 answers them in order). */
#define MAX_POSTERS 256
#define MAX_IN_FLIGHT 16
static struct conn posters[MAX_POSTERS];
static int poster_count = 1, per_poster = 1, window = 1; /* window = posters x in flight */
static const char *poster_token, *channel;
static int messages_total, messages_sent, messages_ok, post_errors, in_flight;

static void poster_send(void) {
    /* The least busy connection: the caller checked in_flight < window, so one has room. */
    struct conn *p = posters;
    for (int i = 1; i < poster_count; i++)
        if (posters[i].pending < p->pending) p = &posters[i];
    char form[600], request[1024];
    int64_t t = now_ns();
    snprintf(form, sizeof form, "token=%s&channel=%s&text=bench+" MARKER "%lld" "zz",
             poster_token, channel, (long long)t);
    int n = format_post(request, sizeof request, port, "/api/chat.postMessage", form);
    if (!first_post_ns) first_post_ns = t;
    messages_sent++;
    in_flight++;
    p->pending++;
    if (send_all(p->fd, request, (size_t)n) < 0) die("post");
}

static void poster_readable(struct conn *p) {
    if (!read_some(p)) die("poster connection closed");
    int status;
    size_t whole;
    while ((whole = http_message_length(p->buf, p->len, &status))) {
        if (status == 200 && memmem(p->buf, whole, "\"ok\":true", 9))
            messages_ok++;
        else
            post_errors++;
        consume(p, whole);
        p->pending--;
        in_flight--;
    }
}

static int loop_once(int timeout_ms) {
    struct epoll_event events[MAX_EVENTS];
    int n = epoll_wait(epfd, events, MAX_EVENTS, timeout_ms);
    int64_t t = now_ns();
    for (int i = 0; i < n; i++) {
        struct conn *c = events[i].data.ptr;
        if (c->kind == POSTER) {
            poster_readable(c);
        } else if (c->state == HTTP_CONNECTING || c->state == WS_CONNECTING) {
            session_writable(c);
        } else if (c->state != FAILED && c->state != DONE) {
            session_readable(c, t);
        }
    }
    return n;
}

static void wait_for_go(void) {
    char line[64];
    if (!fgets(line, sizeof line, stdin)) exit(0); /* the harness went away */
}

static int run_rtm(int sessions, int hold_secs, int wait_go, int rate, int receivers,
                   long expect_per_session) {
    struct conn *all = calloc((size_t)sessions, sizeof *all);
    connect_us = calloc((size_t)sessions, sizeof *connect_us);
    sessions_total = sessions;
    int64_t start = now_ns();
    for (int i = 0; i < sessions; i++) {
        all[i].kind = SESSION;
        all[i].index = i;
        session_start(&all[i]);
    }
    int64_t storm_deadline = start + (int64_t)STORM_TIMEOUT_SECS * 1000000000LL;
    while (hello_count + failed_count < sessions && now_ns() < storm_deadline) loop_once(100);
    int64_t storm_ns = now_ns() - start;
    qsort(connect_us, (size_t)sessions, sizeof *connect_us, cmp_u32);
    size_t missing = (size_t)(sessions - hello_count), got = (size_t)hello_count;
    double p50 = got ? connect_us[missing + got / 2] / 1000.0 : -1;
    double p99 = got ? connect_us[missing + (size_t)(0.99 * (double)(got - 1))] / 1000.0 : -1;
    printf("{\"phase\":\"connected\",\"sessions\":%d,\"hello\":%d,\"failed\":%d,"
           "\"storm_secs\":%.3f,\"hello_p50_ms\":%.1f,\"hello_p99_ms\":%.1f}\n",
           sessions, hello_count, sessions - hello_count, storm_ns / 1e9, p50, p99);
    fflush(stdout);
    int64_t hold_until = now_ns() + (int64_t)hold_secs * 1000000000LL;
    while (now_ns() < hold_until) loop_once(100);
    if (wait_go) wait_for_go();
    long expected = expect_per_session ? expect_per_session * hello_count
                                       : (long)messages_total * receivers;
    for (int i = 0; messages_total && i < poster_count; i++) {
        posters[i].kind = POSTER;
        posters[i].fd = open_blocking(port);
        watch(&posters[i], EPOLLIN, EPOLL_CTL_ADD);
    }
    int64_t begin = now_ns(), period = rate ? 1000000000LL / rate : 0, last_progress = begin;
    long seen = -1;
    while (deliveries < expected || in_flight) {
        int64_t t = now_ns();
        while (messages_sent < messages_total && in_flight < window &&
               t >= begin + period * messages_sent)
            poster_send();
        int wait_ms = 100;
        if (messages_sent < messages_total && in_flight < window) {
            int64_t due = begin + period * messages_sent - t;
            wait_ms = due > 0 ? (int)(due / 1000000) : 0;
        }
        loop_once(wait_ms);
        if (deliveries != seen || in_flight || messages_sent < messages_total) {
            seen = deliveries;
            last_progress = now_ns();
        } else if (now_ns() - last_progress > (int64_t)QUIET_TIMEOUT_SECS * 1000000000LL) {
            break;
        }
    }
    if (!first_post_ns) first_post_ns = first_delivery_ns; /* flood: no poster */
    /* Sessions still open (hello and not closed since), and what each one received. */
    int still_open = 0, receiving = 0;
    long fewest = -1, most = 0;
    for (int i = 0; i < sessions; i++) {
        if (all[i].state != OPEN) continue;
        still_open++;
        if (all[i].received) receiving++;
        if (fewest < 0 || all[i].received < fewest) fewest = all[i].received;
        if (all[i].received > most) most = all[i].received;
    }
    double secs = (double)(last_delivery_ns - first_post_ns) / 1e9;
    qsort(latencies_us, latency_count, sizeof *latencies_us, cmp_u32);
    printf("{\"phase\":\"done\",\"sessions\":%d,\"hello\":%d,\"closed\":%d,\"posted\":%d,"
           "\"post_errors\":%d,\"deliveries\":%ld,\"expected\":%ld,\"other_frames\":%ld,"
           "\"secs\":%.4f,\"deliveries_per_sec\":%.1f,\"min_ms\":%.3f,\"p50_ms\":%.3f,"
           "\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f,\"open\":%d,"
           "\"receiving\":%d,\"fewest_per_session\":%ld,\"most_per_session\":%ld,"
           "\"posters\":%d,\"in_flight_per_poster\":%d}\n",
           sessions, hello_count, closed_after_hello, messages_ok, post_errors, deliveries,
           expected, other_frames, secs, secs > 0 ? deliveries / secs : 0.0,
           percentile_ms(0.0), percentile_ms(0.5), percentile_ms(0.99), percentile_ms(0.999),
           percentile_ms(1.0), still_open, receiving, fewest < 0 ? 0 : fewest, most,
           poster_count, per_poster);
    return 0;
}

/* ------------------------------------------------------------------ flood mode */

static const char HELLO[] = "\x81\x10{\"type\":\"hello\"}";

static int run_flood(int sessions, long frames, int per_write) {
    int listener = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof addr;
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
    if (listen(listener, 8192) < 0) die("listen");
    getsockname(listener, (struct sockaddr *)&addr, &alen);
    port = ntohs(addr.sin_port);
    printf("ready %d\n", port);
    fflush(stdout);
    int *peers = calloc((size_t)sessions, sizeof *peers), open_count = 0;
    char request[4096];
    while (open_count < sessions) { /* blocking: one short request per connection */
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) die("accept");
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        size_t got = 0;
        ssize_t n;
        while ((n = read(fd, request + got, sizeof request - got)) > 0) {
            got += (size_t)n;
            if (http_message_length(request, got, NULL)) break;
        }
        char reply[512];
        if (!strncmp(request, "POST", 4)) {
            char body[128];
            int blen = snprintf(body, sizeof body,
                                "{\"ok\":true,\"url\":\"ws://127.0.0.1:%d/websocket/x\"}", port);
            int len = snprintf(reply, sizeof reply,
                               "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                               "content-length: %d\r\nconnection: close\r\n\r\n%s",
                               blen, body);
            send_all(fd, reply, (size_t)len);
            close(fd);
        } else {
            int len = snprintf(reply, sizeof reply,
                               "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                               "Connection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n");
            memcpy(reply + len, HELLO, sizeof HELLO - 1);
            send_all(fd, reply, (size_t)len + sizeof HELLO - 1);
            peers[open_count++] = fd;
        }
    }
    /* Frames shaped like a message event; the marker carries the time of the write. */
    char frame[256], *batch = malloc(260 * (size_t)per_write);
    for (long sent = 0; sent < frames; sent += per_write) {
        size_t blen = 0;
        int64_t t = now_ns();
        for (int i = 0; i < per_write; i++) {
            int plen = snprintf(frame + 4, sizeof frame - 4,
                                "{\"type\":\"message\",\"channel\":\"C0BENCH1K\",\"user\":"
                                "\"U0POSTER\",\"text\":\"bench " MARKER "%lldzz\",\"ts\":"
                                "\"1700000000.%06ld\",\"team\":\"T0BENCH\"}",
                                (long long)t, (sent + i) % 1000000);
            frame[0] = (char)0x81; /* FIN, text; 126: a 16-bit length follows */
            frame[1] = 126;
            frame[2] = (char)(plen >> 8);
            frame[3] = (char)(plen & 0xff);
            memcpy(batch + blen, frame, (size_t)plen + 4);
            blen += (size_t)plen + 4;
        }
        for (int s = 0; s < open_count; s++) send_all(peers[s], batch, blen);
    }
    sleep(QUIET_TIMEOUT_SECS); /* let the receiver read the tail before the sockets close */
    return 0;
}

/* ------------------------------------------------------------------ main */

static int clamp(int value, int low, int high) {
    return value < low ? low : value > high ? high : value;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: loadgen http|rtm|flood [options] (see the source)\n");
        return 2;
    }
    const char *mode = argv[1], *token_file = NULL;
    int conns = 64, secs = 5, sessions = 100, hold = 0, wait_go = 0, rate = 0, receivers = 0;
    int per_write = 1, max_run_secs = MAX_RUN_SECS;
    long frames = 0, expect = 0;
    int opt;
    optind = 2;
    while ((opt = getopt(argc, argv, "p:q:c:s:t:n:wH:m:r:C:P:k:e:f:b:W:F:T:")) != -1) {
        switch (opt) {
        case 'p': port = atoi(optarg); break;
        case 'q': second_port = atoi(optarg); break;
        case 'c': conns = atoi(optarg); break;
        case 's': secs = atoi(optarg); break;
        case 't': token_file = optarg; break;
        case 'n': sessions = atoi(optarg); break;
        case 'w': wait_go = 1; break;
        case 'H': hold = atoi(optarg); break;
        case 'm': messages_total = atoi(optarg); break;
        case 'r': rate = atoi(optarg); break;
        case 'C': channel = optarg; break;
        case 'P': poster_token = optarg; break;
        case 'k': receivers = atoi(optarg); break;
        case 'e': expect = atol(optarg); break;
        case 'f': frames = atol(optarg); break;
        case 'b': per_write = atoi(optarg); break;
        case 'W': poster_count = clamp(atoi(optarg), 1, MAX_POSTERS); break;
        case 'F': per_poster = clamp(atoi(optarg), 1, MAX_IN_FLIGHT); break;
        case 'T': max_run_secs = clamp(atoi(optarg), 1, MAX_RUN_CAP_SECS); break;
        default: return 2;
        }
    }
    window = poster_count * per_poster;
    signal(SIGPIPE, SIG_IGN);
    alarm((unsigned)max_run_secs); /* nothing runs longer, whatever happens */
    epfd = epoll_create1(0);
    if (!strcmp(mode, "flood")) return run_flood(sessions, frames, per_write < 1 ? 1 : per_write);
    if (!token_file) {
        fprintf(stderr, "-t TOKENS is required\n");
        return 2;
    }
    load_tokens(token_file);
    if (!strcmp(mode, "http")) return run_http(conns, secs, rate);
    if (!strcmp(mode, "rtm")) {
        if (messages_total && (!channel || !poster_token)) {
            fprintf(stderr, "-m needs -C CHANNEL and -P POSTER_TOKEN\n");
            return 2;
        }
        return run_rtm(sessions, hold, wait_go, rate, receivers, expect);
    }
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
}
