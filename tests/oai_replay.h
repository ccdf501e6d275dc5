/* tests/oai_replay.h: a local OAI-PMH provider for tests (not library code).
 *
 * It listens on 127.0.0.1 on an ephemeral port (libmicrohttpd) and replays
 * captured responses byte for byte, chosen by the request: a
 * resumptionToken picks the route added for that token, GetRecord picks
 * the route of its identifier, any other request the route of its verb.
 * A route can misbehave on demand, a given number of times, before it
 * answers normally: 503 with a Retry-After, a connection dropped half way
 * through the body, or a substitute body (e.g. a badResumptionToken error).
 * Every request's query string is kept, so a test can check what the
 * harvester asked.
 */
#ifndef WY_TESTS_OAI_REPLAY_H
#define WY_TESTS_OAI_REPLAY_H

#include <stddef.h>

struct oai_replay;

enum replay_fault {
    REPLAY_OK = 0,
    REPLAY_503,  /* 503 with "Retry-After: <arg>" */
    REPLAY_DROP, /* half the body, then the connection is closed */
    REPLAY_BODY, /* the file given as arg instead */
    REPLAY_500,  /* 500, no Retry-After */
    REPLAY_STALL /* waits arg seconds before answering (kill test) */
};

/* Starts the provider; fails the test if it cannot. */
struct oai_replay *oai_replay_start(void);
/* Stops it and frees everything; NULL is a no-op. */
void oai_replay_stop(struct oai_replay *r);
/* "http://127.0.0.1:PORT/oai" (borrowed). */
const char *oai_replay_url(const struct oai_replay *r);

/*
 * Adds a route: key is "verb:Identify", "token:VALUE" or "id:IDENTIFIER";
 * file is read now (a path; fails the test when it cannot be read).
 */
void oai_replay_add(struct oai_replay *r, const char *key, const char *file);

/* The next `times` requests for key get the fault; arg is the Retry-After
   value (REPLAY_503), the substitute file (REPLAY_BODY) or seconds
   (REPLAY_STALL). */
void oai_replay_fault(struct oai_replay *r, const char *key,
                      enum replay_fault f, int times, const char *arg);

/* How many requests hit key so far (faults included). */
int oai_replay_hits(struct oai_replay *r, const char *key);
/* new (free()): every request's query string so far, one per line. */
char *oai_replay_log(struct oai_replay *r);

#endif
