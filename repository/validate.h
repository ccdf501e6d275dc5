/* repository/validate.h: an OCFL 1.0/1.1 validator for storage roots,
 * objects and inventories.
 *
 * Each problem found is reported through a sink with the specification's
 * code (E001..E112 errors, W001..W016 warnings; see
 * https://ocfl.io/1.1/spec/validation-codes.html) and a sentence naming the
 * file. The functions return WY_OK when the check ran, whatever it found
 * (count sink->errors); an error code only when the check itself could not
 * run (out of memory). Objects are checked against the OCFL version their
 * declaration names (0=ocfl_object_1.0 or _1.1).
 * Coverage and the codes not checked are listed in docs/OCFL.md.
 */
#ifndef WY_REPOSITORY_VALIDATE_H
#define WY_REPOSITORY_VALIDATE_H

#include <stddef.h>

#include "core/err.h"

struct validate_sink {
    /* called for each problem: code "E040", where (a path, borrowed for the
       call), msg a sentence (borrowed for the call). May be NULL. */
    void (*fn)(void *ctx, const char *code, const char *where, const char *msg);
    void *ctx;
    unsigned errors, warnings; /* counted by the validator */
    unsigned objects;          /* objects checked (storage root walk) */
    int no_digests;            /* 1: skip re-hashing content files */
};

/* Checks one object root directory. */
wy_code validate_object(const char *objdir, struct validate_sink *sink,
                        struct wy_err *err);

/* Checks a storage root and every object in it. */
wy_code validate_root(const char *root, struct validate_sink *sink,
                      struct wy_err *err);

/* Checks the bytes of one inventory.json alone (structure and values, no
 * files); `where` names it in messages; spec "1.0" or "1.1". */
wy_code validate_inventory(const unsigned char *p, size_t n, const char *where,
                           const char *spec, struct validate_sink *sink,
                           struct wy_err *err);

#endif
