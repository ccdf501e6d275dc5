/* tests/home_fx.c: a new home with its cluster tables open. */
#include "home_fx.h"

#include <stdlib.h>

#include "harness.h"

#include "core/path.h"

int home_fx_setup(void **state)
{
    struct home_fx *f = calloc(1, sizeof(*f));
    struct wy_err err = WY_ERR_INIT;
    f->dir = wy_test_tmpdir();
    wy_buf_init(&f->home, 4096);
    wy_path_join(&f->home, f->dir, "home");
    if (home_init(wy_buf_cstr(&f->home), &err) ||
        home_open(&f->h, wy_buf_cstr(&f->home), 0, &err) ||
        cluster_open(&f->cl, f->h->catalog_path, &err))
        fail_msg("%s", wy_err_msg(&err));
    *state = f;
    return 0;
}

int home_fx_teardown(void **state)
{
    struct home_fx *f = *state;
    cluster_close(f->cl);
    home_close(f->h);
    wy_buf_release(&f->home);
    wy_test_rmdir(f->dir);
    free(f);
    return 0;
}
