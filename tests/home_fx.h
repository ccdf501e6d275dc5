/* tests/home_fx.h: a fixture shared by groups that work on a new home with
   its cluster tables open (test_cluster.c, test_libraries.c). */
#ifndef WY_TESTS_HOME_FX_H
#define WY_TESTS_HOME_FX_H

#include "core/buf.h"
#include "repository/cluster.h"
#include "repository/home.h"

struct home_fx {
    char *dir;          /* the test's temporary directory (removed after) */
    struct wy_buf home; /* dir/home */
    struct wy_home *h;
    struct cluster *cl;
};

/* cmocka group setup/teardown: *state is a struct home_fx. */
int home_fx_setup(void **state);
int home_fx_teardown(void **state);

#endif
