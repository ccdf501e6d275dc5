/* core/log.c: diagnostics and progress. */
#include "core/log.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void wy_log_init(struct wy_log *l, FILE *fp, enum wy_level level)
{
    memset(l, 0, sizeof(*l));
    l->fp = fp;
    l->level = level;
    l->tty = fp && isatty(fileno(fp));
}

static void clear_progress(struct wy_log *l)
{
    if (l && l->progress_shown && l->fp) {
        fputs("\r\033[K", l->fp);
        l->progress_shown = 0;
    }
}

void wy_log_msg(struct wy_log *l, enum wy_level lv, const char *fmt, ...)
{
    if (!l)
        return;
    if (lv == WY_LOG_WARN)
        l->warnings++;
    if (lv == WY_LOG_ERROR)
        l->errors++;
    if (lv > l->level)
        return;
    char msg[1024];   /* diagnostics only: a long line is cut with "..." */
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof(msg))
        memcpy(msg + sizeof(msg) - 4, "...", 4);
    if (l->hook)
        l->hook(l->hook_ctx, lv, msg);
    if (l->fp) {
        static const char *const names[] = {"error", "warning", "", ""};
        clear_progress(l);
        if (*names[lv])
            fprintf(l->fp, "%s: %s\n", names[lv], msg);
        else
            fprintf(l->fp, "%s\n", msg);
    }
}

double wy_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void wy_progress_begin(struct wy_progress *p, struct wy_log *l,
                       const char *what, uint64_t total, uint64_t bytes_total)
{
    memset(p, 0, sizeof(*p));
    p->log = l;
    p->what = what;
    p->total = total;
    p->bytes_total = bytes_total;
    p->start = wy_now();
}

static void draw(struct wy_progress *p, double now)
{
    FILE *fp = p->log->fp;
    double el = now - p->start;
    double rate = el > 0 ? (double)p->done / el : 0;
    fprintf(fp, "\r\033[K%llu", (unsigned long long)p->done);
    if (p->total)
        fprintf(fp, "/%llu", (unsigned long long)p->total);
    fprintf(fp, " %s, %.0f/s", p->what, rate);
    if (p->bytes)
        fprintf(fp, ", %.1f MB, %.1f MB/s", p->bytes / 1e6,
                el > 0 ? p->bytes / 1e6 / el : 0);
    double frac = p->bytes_total ? (double)p->bytes / p->bytes_total
                  : p->total      ? (double)p->done / p->total
                                  : 0;
    if (frac > 0.001 && frac < 1)
        fprintf(fp, ", ETA %.0fs", el / frac - el);
    fflush(fp);
    p->log->progress_shown = 1;
    p->last_draw = now;
}

void wy_progress_update(struct wy_progress *p, uint64_t done, uint64_t bytes)
{
    p->done = done;
    p->bytes = bytes;
    if (!p->log || !p->log->tty || !p->log->fp)
        return;
    double now = wy_now();
    if (now - p->last_draw >= 0.25)
        draw(p, now);
}

void wy_progress_end(struct wy_progress *p)
{
    if (p->log)
        clear_progress(p->log);
}
