/* core/log.h: diagnostics and progress, through a sink the caller owns. */
#ifndef WY_CORE_LOG_H
#define WY_CORE_LOG_H

#include <stdint.h>
#include <stdio.h>

#include "core/err.h"

enum wy_level { WY_LOG_ERROR, WY_LOG_WARN, WY_LOG_INFO, WY_LOG_DEBUG };

/*
 * Library code never prints: it reports through a wy_log the caller passes
 * in. The cli makes one on stderr; tests make one that collects lines.
 * Progress is drawn only when the stream is a terminal (quiet when piped).
 */
struct wy_log {
    FILE *fp;                 /* NULL: messages go to the hook only */
    enum wy_level level;      /* messages above it are dropped */
    int tty;                  /* progress lines are drawn only on a tty */
    void (*hook)(void *ctx, enum wy_level lv, const char *msg);
    void *hook_ctx;
    int progress_shown;       /* a progress line is on screen */
    unsigned warnings, errors;
};

/* A log on fp (stderr for the cli); tty is detected. */
void wy_log_init(struct wy_log *l, FILE *fp, enum wy_level level);
void wy_log_msg(struct wy_log *l, enum wy_level lv, const char *fmt, ...)
    WY_PRINTF(3, 4);
#define wy_warn(l, ...) wy_log_msg((l), WY_LOG_WARN, __VA_ARGS__)
#define wy_info(l, ...) wy_log_msg((l), WY_LOG_INFO, __VA_ARGS__)
#define wy_debug(l, ...) wy_log_msg((l), WY_LOG_DEBUG, __VA_ARGS__)

/*
 * Progress of long work: items and bytes done, totals when known (0 if not).
 * wy_progress_update redraws at most a few times a second on a tty, showing
 * rate and ETA; wy_progress_end clears the line.
 */
struct wy_progress {
    struct wy_log *log;
    const char *what;         /* "records", "files" */
    uint64_t done, total, bytes, bytes_total;
    double start, last_draw;
};

void wy_progress_begin(struct wy_progress *p, struct wy_log *l,
                       const char *what, uint64_t total, uint64_t bytes_total);
void wy_progress_update(struct wy_progress *p, uint64_t done, uint64_t bytes);
void wy_progress_end(struct wy_progress *p);
/* Seconds since the epoch, monotonic enough for rates. */
double wy_now(void);

#endif
