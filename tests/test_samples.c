/* tests/test_samples.c: the generated sample items (samples/items, made by
   samples/make-items.sh) through the CLI: `wenyuan ingest` stores each
   page's transcription with the page image and `wenyuan index` indexes it,
   so a search finds words that only the page text holds (not the title or
   any other metadata): plain text for 論語集注 and 千字文 (a bag), hOCR for
   嘉禾縣志. Queries are simplified while the pages are traditional. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

struct fx {
    char *dir;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    f->dir = wy_test_tmpdir();
    char cmd[8192];
    snprintf(cmd, sizeof(cmd),
             "'%s' init '%s/h' >/dev/null && '%s' -H '%s/h' ingest '%s' "
             ">/dev/null 2>&1 && '%s' -H '%s/h' index >/dev/null 2>&1",
             wy_test_bin(), f->dir, wy_test_bin(), f->dir,
             wy_srcpath("samples/items/batch.csv"), wy_test_bin(), f->dir);
    if (wy_test_run(cmd, NULL) != 0) {
        wy_test_rmdir(f->dir);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    wy_test_rmdir(f->dir);
    free(f);
    return 0;
}

/* The search's output for q (new string). */
static char *search(struct fx *f, const char *q)
{
    char cmd[8192], *out = NULL;
    snprintf(cmd, sizeof(cmd), "'%s' -H '%s/h' search '%s' 2>&1",
             wy_test_bin(), f->dir, q);
    assert_int_equal(wy_test_run(cmd, &out), 0);
    return out;
}

static void full_text_of_each_item(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *q, *title;
    } cases[] = {
        /* 論語 p. 1, plain text: 學而時習之 */
        {"学而时习之", "論語集注"},
        /* the same phrase in traditional characters */
        {"學而時習之", "論語集注"},
        /* a phrase across a column break (子曰 | 學而) */
        {"子曰学而时习", "論語集注"},
        /* 論語 p. 2 */
        {"吾日三省吾身", "論語集注"},
        /* 嘉禾縣志 p. 2, hOCR: one ocrx_word per character */
        {"邑人资以灌溉", "嘉禾縣志"},
        /* 嘉禾縣志 p. 3 */
        {"拱极", "嘉禾縣志"},
        /* 千字文 p. 2, plain text in the bag's payload */
        {"坐朝问道", "千字文"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *out = search(f, cases[i].q);
        if (!strstr(out, "1 result") || !strstr(out, cases[i].title))
            fail_msg("search '%s': expected only %s, got:\n%s", cases[i].q,
                     cases[i].title, out);
        free(out);
    }
}

/* Words on no page and in no record find nothing. */
static void absent_words_find_nothing(void **state)
{
    struct fx *f = *state;
    char *out = search(f, "学而不思则罔");
    if (strstr(out, "論語集注"))
        fail_msg("search '学而不思则罔' found:\n%s", out);
    free(out);
}

WY_GROUP(samples, NULL, NULL,
         cmocka_unit_test_setup_teardown(full_text_of_each_item, setup,
                                         teardown),
         cmocka_unit_test_setup_teardown(absent_words_find_nothing, setup,
                                         teardown))
