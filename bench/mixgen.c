/* mixgen: W7's load generator, a Web API request mix. One epoll loop, 127.0.0.1 only, bounded.
 *
 *   mixgen -p PORT -c CONNS -w WARMUP_SECS -s SECS -T TOKEN -C CHANNEL -u USER[,USER...]
 *
 * CONNS keep-alive connections each send requests back to back (one in flight each), all
 * with TOKEN as a bearer token, cycling through a fixed mix of ten requests:
 *
 *   post history post users.info history post list post history users.info
 *
 * that is, per 10 requests: 4 chat.postMessage to CHANNEL (text naming the connection and
 * the request), 3 conversations.history of CHANNEL (limit 20), 2 users.info (the next of
 * the USERs) and 1 conversations.list (limit 100). Connection i starts at position i mod 10,
 * so the methods are spread over time rather than all connections posting at once.
 *
 * Responses completed during the WARMUP_SECS are not counted; those completed in the SECS
 * after it are. An error is a non-200 status, a body without "ok":true, or a connection
 * closed or reset by the server (it is then reopened). Prints one JSON line: requests/s,
 * per-method count, requests/s, p50/p99 latency, errors, the first error seen and the
 * client's own CPU share over the measured window. SIGALRM ends a run that overstays.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 256
#define MAX_SECS 120
#define ALARM_MARGIN_SECS 30
#define MAX_USERS 64
#define MAX_EVENTS 256
#define REQUEST_BYTES 1024
#define INITIAL_BUF 16384
#define MAX_RESPONSE_BYTES (8 * 1024 * 1024)
#define MIX_LENGTH 10
#define ERROR_TEXT 240

enum method { POST, HISTORY, USERS_INFO, LIST, METHODS };
static const char *const METHOD_NAMES[METHODS] = {
    "chat.postMessage", "conversations.history", "users.info", "conversations.list"};
/* The cycle each connection walks: 4 posts, 3 history reads, 2 users.info, 1 list. */
static const int MIX[MIX_LENGTH] = {POST, HISTORY, POST, USERS_INFO, HISTORY,
                                    POST, LIST,    POST, HISTORY,    USERS_INFO};

struct conn {
    int fd, index, method;
    unsigned mix_position;
    unsigned long sent;
    char request[REQUEST_BYTES];
    size_t request_len, request_off;
    char *buf;
    size_t len, cap;
    int64_t started_ns;
};

struct samples {
    uint32_t *us;
    size_t count, cap;
    unsigned long errors;
};

static int epfd, port;
static const char *token, *channel;
static char *users[MAX_USERS];
static int user_count;
static unsigned long next_user;
static struct conn conns[MAX_CONNS];
static struct samples stats[METHODS];
static unsigned long reconnects;
static unsigned long all_responses; /* warm-up included: for the server's CPU per request */
static char first_error[ERROR_TEXT + 1];

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double cpu_secs(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (double)usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
           (double)usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

static void die(const char *what) {
    perror(what);
    exit(2);
}

static void on_alarm(int sig) {
    (void)sig;
    static const char text[] = "mixgen: run exceeded its bound\n";
    if (write(2, text, sizeof text - 1) < 0) _exit(3);
    _exit(3);
}

static void record(int method, int64_t ns) {
    struct samples *s = &stats[method];
    if (s->count == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 65536;
        s->us = realloc(s->us, s->cap * sizeof *s->us);
        if (!s->us) die("realloc");
    }
    s->us[s->count++] = (uint32_t)(ns > 0 ? ns / 1000 : 0);
}

static int measuring;
static unsigned long warmup_errors;

static void note_error(int method, const char *what, const char *body, size_t len) {
    if (!measuring) {
        warmup_errors++;
        return;
    }
    stats[method].errors++;
    if (first_error[0]) return;
    int n = snprintf(first_error, sizeof first_error, "%s %s: ", METHOD_NAMES[method], what);
    for (size_t i = 0; body && i < len && n < ERROR_TEXT; i++) {
        char c = body[i];
        /* Kept printable and free of JSON's specials: it is printed inside a string. */
        first_error[n++] = (c == '"' || c == '\\' || c < 0x20 || c > 0x7e) ? '.' : c;
    }
    first_error[n] = 0;
}

/* sockets */

static int open_socket(void) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) die("socket");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS)
        die("connect");
    return fd;
}

static void watch(struct conn *c, uint32_t events, int op) {
    struct epoll_event ev = {.events = events, .data.ptr = c};
    if (epoll_ctl(epfd, op, c->fd, &ev) < 0) die("epoll_ctl");
}

/* requests */

static void build_request(struct conn *c) {
    int method = MIX[c->mix_position % MIX_LENGTH];
    char body[512];
    int body_len = 0;
    switch (method) {
    case POST:
        body_len = snprintf(body, sizeof body, "channel=%s&text=mix+c%d+n%lu", channel, c->index,
                            c->sent);
        break;
    case HISTORY:
        body_len = snprintf(body, sizeof body, "channel=%s&limit=20", channel);
        break;
    case USERS_INFO:
        body_len = snprintf(body, sizeof body, "user=%s", users[next_user++ % user_count]);
        break;
    default:
        body_len = snprintf(body, sizeof body, "limit=100&exclude_archived=true");
        break;
    }
    int n = snprintf(c->request, sizeof c->request,
                     "POST /api/%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                     "Authorization: Bearer %s\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\n"
                     "Content-Length: %d\r\n\r\n%s",
                     METHOD_NAMES[method], port, token, body_len, body);
    if (n < 0 || (size_t)n >= sizeof c->request) {
        fprintf(stderr, "request too long\n");
        exit(2);
    }
    c->method = method;
    c->request_len = (size_t)n;
    c->request_off = 0;
    c->len = 0;
}

static void reopen(struct conn *c);

/* Write what is left of the request; 0 once it is all written, 1 while some is pending. */
static int send_request(struct conn *c) {
    while (c->request_off < c->request_len) {
        ssize_t n = write(c->fd, c->request + c->request_off, c->request_len - c->request_off);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) return 1;
            note_error(c->method, "write failed", strerror(errno), strlen(strerror(errno)));
            reopen(c);
            return 1;
        }
        c->request_off += (size_t)n;
    }
    return 0;
}

static void start_request(struct conn *c) {
    build_request(c);
    c->started_ns = now_ns();
    if (send_request(c)) watch(c, EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD);
}

static void open_conn(struct conn *c) {
    c->fd = open_socket();
    /* Connecting: the request is written once the socket is writable. */
    build_request(c);
    c->started_ns = now_ns();
    watch(c, EPOLLIN | EPOLLOUT, EPOLL_CTL_ADD);
}

static void reopen(struct conn *c) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    reconnects++;
    c->mix_position++; /* the failed request counted as an error: go on with the next */
    c->fd = open_socket();
    build_request(c);
    c->started_ns = now_ns();
    watch(c, EPOLLIN | EPOLLOUT, EPOLL_CTL_ADD);
}

/* responses */

static const char *find_header_end(const char *buf, size_t len) {
    return memmem(buf, len, "\r\n\r\n", 4);
}

/* The Content-Length value in the head, or -1. */
static long content_length(const char *head, size_t head_len) {
    const char *p = head, *end = head + head_len;
    while (p < end) {
        const char *line_end = memmem(p, (size_t)(end - p), "\r\n", 2);
        if (!line_end) line_end = end;
        size_t n = (size_t)(line_end - p);
        if (n > 15 && strncasecmp(p, "content-length:", 15) == 0) return strtol(p + 15, NULL, 10);
        p = line_end + 2;
    }
    return -1;
}

static int wants_close(const char *head, size_t head_len) {
    const char *p = head, *end = head + head_len;
    while (p < end) {
        const char *line_end = memmem(p, (size_t)(end - p), "\r\n", 2);
        if (!line_end) line_end = end;
        size_t n = (size_t)(line_end - p);
        if (n >= 17 && strncasecmp(p, "connection: close", 17) == 0) return 1;
        p = line_end + 2;
    }
    return 0;
}

/* A whole response is in the buffer: 1 (and its length consumed) or 0 if more is needed. */
static int take_response(struct conn *c, int64_t at) {
    const char *head_end = find_header_end(c->buf, c->len);
    if (!head_end) return 0;
    size_t head_len = (size_t)(head_end - c->buf) + 4;
    long body_len = content_length(c->buf, head_len);
    if (body_len < 0 || (size_t)body_len > MAX_RESPONSE_BYTES) {
        note_error(c->method, "no usable content-length", c->buf, head_len);
        reopen(c);
        return -1;
    }
    if (c->len < head_len + (size_t)body_len) return 0;
    const char *body = c->buf + head_len;
    int ok_status = c->len > 12 && strncmp(c->buf + 9, "200", 3) == 0;
    int ok_body = memmem(body, (size_t)body_len, "\"ok\":true", 9) != NULL;
    if (!ok_status || !ok_body) {
        note_error(c->method, ok_status ? "not ok" : "status", ok_status ? body : c->buf,
                   ok_status ? (size_t)body_len : c->len);
    } else if (measuring) {
        record(c->method, at - c->started_ns);
    }
    all_responses++;
    int close_after = wants_close(c->buf, head_len);
    c->len = 0; /* one request in flight: nothing follows the response */
    c->mix_position++;
    c->sent++;
    if (close_after) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        reconnects++;
        open_conn(c);
        return -1;
    }
    return 1;
}

static void on_readable(struct conn *c) {
    for (;;) {
        if (c->cap - c->len < 4096) {
            c->cap *= 2;
            c->buf = realloc(c->buf, c->cap);
            if (!c->buf) die("realloc");
        }
        ssize_t n = read(c->fd, c->buf + c->len, c->cap - c->len);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) return;
            note_error(c->method, "read failed", strerror(errno), strlen(strerror(errno)));
            reopen(c);
            return;
        }
        if (n == 0) {
            note_error(c->method, "closed by the server", c->buf, c->len);
            reopen(c);
            return;
        }
        c->len += (size_t)n;
        int taken = take_response(c, now_ns());
        if (taken < 0) return;
        if (taken > 0) {
            start_request(c);
            return;
        }
    }
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static double percentile_ms(const struct samples *s, double p) {
    if (!s->count) return -1;
    size_t i = (size_t)(p * (double)(s->count - 1) + 0.5);
    return s->us[i] / 1000.0;
}

static void parse_users(char *list) {
    for (char *save = NULL, *u = strtok_r(list, ",", &save); u; u = strtok_r(NULL, ",", &save)) {
        if (user_count == MAX_USERS) break;
        users[user_count++] = u;
    }
}

static void usage(void) {
    fprintf(stderr, "usage: mixgen -p PORT -c CONNS -w WARMUP_SECS -s SECS -T TOKEN "
                    "-C CHANNEL -u USER[,USER...]\n");
    exit(2);
}

int main(int argc, char **argv) {
    int connections = 32, warmup_secs = 1, secs = 5, opt;
    while ((opt = getopt(argc, argv, "p:c:w:s:T:C:u:")) != -1) {
        switch (opt) {
        case 'p': port = atoi(optarg); break;
        case 'c': connections = atoi(optarg); break;
        case 'w': warmup_secs = atoi(optarg); break;
        case 's': secs = atoi(optarg); break;
        case 'T': token = optarg; break;
        case 'C': channel = optarg; break;
        case 'u': parse_users(optarg); break;
        default: usage();
        }
    }
    if (port <= 0 || !token || !channel || !user_count || connections < 1 ||
        connections > MAX_CONNS || secs < 1 || warmup_secs < 0 || warmup_secs + secs > MAX_SECS)
        usage();
    signal(SIGPIPE, SIG_IGN);
    signal(SIGALRM, on_alarm);
    alarm((unsigned)(warmup_secs + secs + ALARM_MARGIN_SECS));
    epfd = epoll_create1(0);
    if (epfd < 0) die("epoll_create1");

    for (int i = 0; i < connections; i++) {
        struct conn *c = &conns[i];
        c->index = i;
        c->mix_position = (unsigned)i; /* spread the mix over the connections */
        c->cap = INITIAL_BUF;
        c->buf = malloc(c->cap);
        if (!c->buf) die("malloc");
        open_conn(c);
    }

    int64_t started = now_ns();
    int64_t measure_from = started + (int64_t)warmup_secs * 1000000000;
    int64_t measure_until = measure_from + (int64_t)secs * 1000000000;
    double cpu_from = 0;
    unsigned long reconnects_from = 0;
    struct epoll_event events[MAX_EVENTS];
    for (;;) {
        int64_t now = now_ns();
        if (!measuring && now >= measure_from) {
            measuring = 1;
            cpu_from = cpu_secs();
            reconnects_from = reconnects;
        }
        if (now >= measure_until) break;
        int64_t wait_ms = ((measuring ? measure_until : measure_from) - now) / 1000000 + 1;
        int n = epoll_wait(epfd, events, MAX_EVENTS, (int)(wait_ms < 50 ? wait_ms : 50));
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
                on_readable(c);
            } else if (events[i].events & EPOLLOUT) {
                if (!send_request(c)) watch(c, EPOLLIN, EPOLL_CTL_MOD);
            }
        }
    }
    double window = (double)(measure_until - measure_from) / 1e9;
    double cpu_share = (cpu_secs() - cpu_from) / window;

    size_t total = 0;
    unsigned long errors = 0;
    for (int m = 0; m < METHODS; m++) {
        qsort(stats[m].us, stats[m].count, sizeof *stats[m].us, cmp_u32);
        total += stats[m].count;
        errors += stats[m].errors;
    }
    /* All methods together, for the overall percentiles. */
    struct samples all = {.us = malloc((total ? total : 1) * sizeof(uint32_t)), .count = 0};
    if (!all.us) die("malloc");
    for (int m = 0; m < METHODS; m++) {
        memcpy(all.us + all.count, stats[m].us, stats[m].count * sizeof(uint32_t));
        all.count += stats[m].count;
    }
    qsort(all.us, all.count, sizeof *all.us, cmp_u32);

    printf("{\"connections\":%d,\"warmup_secs\":%d,\"secs\":%.3f,\"requests\":%zu,"
           "\"requests_per_sec\":%.1f,\"all_responses\":%lu,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"errors\":%lu,"
           "\"warmup_errors\":%lu,\"reconnects\":%lu,\"client_cpu_share\":%.3f,\"first_error\":\"%s\",\"methods\":{",
           connections, warmup_secs, window, total, (double)total / window, all_responses,
           percentile_ms(&all, 0.50), percentile_ms(&all, 0.99), errors,
           warmup_errors, reconnects - reconnects_from, cpu_share, first_error);
    for (int m = 0; m < METHODS; m++) {
        const struct samples *s = &stats[m];
        printf("%s\"%s\":{\"count\":%zu,\"per_sec\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
               "\"errors\":%lu}",
               m ? "," : "", METHOD_NAMES[m], s->count, (double)s->count / window,
               percentile_ms(s, 0.50), percentile_ms(s, 0.99), s->errors);
    }
    printf("}}\n");
    fflush(stdout);
    return 0;
}
