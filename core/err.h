/* core/err.h: the one error type: a code for the program, a sentence for the human. */
#ifndef WY_CORE_ERR_H
#define WY_CORE_ERR_H

#include <stddef.h>

#define WY_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define WY_MUST_CHECK __attribute__((warn_unused_result))

typedef enum {
    WY_OK = 0,
    WY_EOF,       /* iterator exhausted; never stored in an error */
    WY_ENOMEM,
    WY_EIO,
    WY_EINVAL,    /* bad argument or usage */
    WY_EFORMAT,   /* bad input data */
    WY_ENOTFOUND,
    WY_ETOOBIG,
    WY_ESTATE,    /* operation not valid in the current state */
    WY_EHTTP,
    WY_EINDEX,
    WY_EDB,
    WY_EFIXITY    /* content does not match its recorded digest */
} wy_code;

struct wy_err {
    wy_code code;
    char *msg;    /* heap, owned by the err; NULL when no message */
};

#define WY_ERR_INIT { WY_OK, NULL }

/*
 * Sets the error and returns its code. The first (deepest) cause wins: if
 * the error is already set, it is left as it is and its code is returned.
 */
wy_code wy_err_set(struct wy_err *e, wy_code c, const char *fmt, ...)
    WY_PRINTF(3, 4);

/* Adds context in front of the message ("where: what"); returns the code. */
wy_code wy_err_prefix(struct wy_err *e, const char *fmt, ...) WY_PRINTF(2, 3);

/* The message, or wy_strerror(code) when none could be stored; never NULL. */
const char *wy_err_msg(const struct wy_err *e);

/* A fixed description of a code; never NULL. */
const char *wy_strerror(wy_code c);

/* Frees the message; the error is WY_ERR_INIT again. */
void wy_err_release(struct wy_err *e);

/* Moves src into dst (dst released first); src is WY_ERR_INIT afterwards. */
void wy_err_move(struct wy_err *dst, struct wy_err *src);

/* For impossible states only, never for bad input. */
#define WY_BUG(msg) wy_bug(__FILE__, __LINE__, (msg))
_Noreturn void wy_bug(const char *file, int line, const char *msg);

#endif
