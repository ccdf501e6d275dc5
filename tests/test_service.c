/* tests/test_service.c: the HTTP layer: params, routes, replies, limits. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "svc_client.h"

#include "core/path.h"
#include "service/app.h"
#include "service/params.h"
#include "service/reply.h"

static void params_decode_and_repeat(void **state)
{
    (void)state;
    struct svc_params ps = SVC_PARAMS_INIT;
    struct wy_err err = WY_ERR_INIT;
    const char q[] = "verb=ListRecords&&q=%E7%BA%A2%E6%A5%BC+%E6%A2%A6"
                     "&flag&verb=Identify";
    assert_int_equal(svc_params_parse(&ps, q, sizeof(q) - 1, &err), WY_OK);
    assert_int_equal(ps.n, 4);
    assert_string_equal(svc_params_get(&ps, "q"), "红楼 梦");
    assert_string_equal(svc_params_get(&ps, "flag"), "");
    assert_string_equal(svc_params_get(&ps, "verb"), "ListRecords");
    assert_int_equal(svc_params_count(&ps, "verb"), 2);
    assert_string_equal(svc_params_repeated(&ps), "verb");
    assert_null(svc_params_get(&ps, "nope"));
    svc_params_release(&ps);
    assert_int_equal(ps.n, 0);
}

static void params_errors_name_the_argument(void **state)
{
    (void)state;
    struct svc_params ps = SVC_PARAMS_INIT;
    struct wy_err err = WY_ERR_INIT;
    const char bad[] = "a=1&from=%zz";
    assert_int_equal(svc_params_parse(&ps, bad, sizeof(bad) - 1, &err),
                     WY_EINVAL);
    assert_err(&err, WY_EINVAL, "argument 'from'");
    wy_err_release(&err);
    svc_params_release(&ps);

    const char nul[] = "set=a%00b";
    assert_int_equal(svc_params_parse(&ps, nul, sizeof(nul) - 1, &err),
                     WY_EINVAL);
    assert_err(&err, WY_EINVAL, "'set' holds a NUL");
    wy_err_release(&err);
    svc_params_release(&ps);

    const char utf[] = "until=%C0%AF"; /* an overlong '/' */
    assert_int_equal(svc_params_parse(&ps, utf, sizeof(utf) - 1, &err),
                     WY_EINVAL);
    assert_err(&err, WY_EINVAL, "'until' is not valid UTF-8");
    wy_err_release(&err);
    svc_params_release(&ps);

    char *big = malloc(SVC_PARAM_VAL_MAX + 16);
    memcpy(big, "q=", 2);
    memset(big + 2, 'x', SVC_PARAM_VAL_MAX + 1);
    assert_int_equal(svc_params_parse(&ps, big, SVC_PARAM_VAL_MAX + 3, &err),
                     WY_ETOOBIG);
    assert_err(&err, WY_ETOOBIG, "argument 'q' is longer than 4096");
    wy_err_release(&err);
    svc_params_release(&ps);
    free(big);

    struct wy_buf many = WY_BUF_INIT(WY_BUF_NOLIMIT);
    for (int i = 0; i <= SVC_PARAMS_MAX; i++)
        wy_buf_addf(&many, "k%d=v&", i);
    assert_int_equal(svc_params_parse(&ps, many.p, many.len, &err), WY_ETOOBIG);
    assert_err(&err, WY_ETOOBIG, "more than 32 arguments (at 'k32')");
    wy_err_release(&err);
    svc_params_release(&ps);
    wy_buf_release(&many);
}

static void range_and_gzip_headers(void **state)
{
    (void)state;
    uint64_t a, b;
    assert_int_equal(svc_parse_range("bytes=0-99", 1000, &a, &b), 1);
    assert_true(a == 0 && b == 99);
    assert_int_equal(svc_parse_range("bytes=900-", 1000, &a, &b), 1);
    assert_true(a == 900 && b == 999);
    assert_int_equal(svc_parse_range("bytes=-100", 1000, &a, &b), 1);
    assert_true(a == 900 && b == 999);
    assert_int_equal(svc_parse_range("bytes=500-5000", 1000, &a, &b), 1);
    assert_true(a == 500 && b == 999);
    assert_int_equal(svc_parse_range("bytes=1000-", 1000, &a, &b), -1);
    assert_int_equal(svc_parse_range("bytes=0-1,5-6", 1000, &a, &b), 0);
    assert_int_equal(svc_parse_range("bytes=9-3", 1000, &a, &b), 0);
    assert_int_equal(svc_parse_range("items=0-3", 1000, &a, &b), 0);
    assert_int_equal(
        svc_parse_range("bytes=99999999999999999999999-", 1000, &a, &b), 0);
    assert_true(svc_accepts_gzip("gzip, deflate"));
    assert_true(svc_accepts_gzip("br;q=1.0, gzip;q=0.5"));
    assert_false(svc_accepts_gzip("gzip;q=0"));
    assert_false(svc_accepts_gzip("identity"));
    assert_false(svc_accepts_gzip(NULL));
}

static void secret_survives_and_damage_is_named(void **state)
{
    (void)state;
    struct wy_err err = WY_ERR_INIT;
    char *home = wy_test_tmpdir();
    struct svc_app *a = NULL, *b = NULL;
    assert_int_equal(svc_app_open(&a, home, &err), WY_OK);
    assert_int_equal(svc_app_open(&b, home, &err), WY_OK);
    assert_memory_equal(a->secret, b->secret, SVC_SECRET_LEN);
    svc_app_close(a);
    svc_app_close(b);
    char path[4096];
    snprintf(path, sizeof(path), "%s/service.secret", home);
    assert_int_equal(wy_file_replace(path, "abc\n", 4, &err), WY_OK);
    assert_int_equal(svc_app_open(&a, home, &err), WY_EFORMAT);
    assert_err(&err, WY_EFORMAT, "service.secret");
    wy_err_release(&err);
    assert_int_equal(svc_app_open(&a, "/nonexistent/home", &err), WY_ENOTFOUND);
    assert_err(&err, WY_ENOTFOUND, "'/nonexistent/home'");
    wy_err_release(&err);
    wy_test_rmdir(home);
}

static void unknown_path_404_wrong_method_405(void **state)
{
    struct tc_srv *t = *state;
    struct tc_resp r;
    tc_get(t, "/no/such/page", &r);
    assert_int_equal(r.status, 404);
    assert_string_equal(tc_header(&r, "Content-Type"), SVC_CT_JSON);
    assert_non_null(strstr(r.body, "\"error\":\"notFound\""));
    tc_resp_free(&r);

    tc_request(t, "DELETE", "/", NULL, NULL, 0, &r);
    assert_int_equal(r.status, 405);
    assert_string_equal(tc_header(&r, "Allow"), "GET, HEAD");
    assert_non_null(strstr(r.body, "\"error\":\"methodNotAllowed\""));
    tc_resp_free(&r);
    /* the access log saw it */
    assert_true(tc_log_wait(t, "DELETE / 405"));
}

static void index_page_and_assets(void **state)
{
    struct tc_srv *t = *state;
    struct tc_resp r;
    tc_get(t, "/", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(tc_header(&r, "Content-Type"), SVC_CT_HTML);
    assert_non_null(tc_header(&r, "Content-Security-Policy"));
    assert_non_null(strstr(r.body, "<html"));
    tc_resp_free(&r);
    tc_get(t, "/assets/app.js", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(tc_header(&r, "Content-Type"),
                        "text/javascript; charset=utf-8");
    tc_resp_free(&r);
    tc_request(t, "HEAD", "/assets/app.css", NULL, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, 0);
    tc_resp_free(&r);
    tc_get(t, "/assets/../service.secret", &r);
    assert_int_equal(r.status, 404);
    tc_resp_free(&r);
    tc_get(t, "/assets/", &r);
    assert_int_equal(r.status, 404);
    tc_resp_free(&r);
}

static void oversized_requests_refused(void **state)
{
    struct tc_srv *t = *state;
    struct tc_resp r;
    /* a POST body past the 64 KiB cap: 413, not a crash or a cut */
    size_t n = 70 * 1024;
    char *body = malloc(n + 1);
    memset(body, 'a', n);
    body[n] = '\0';
    tc_request(t, "POST", "/", body, NULL, 0, &r);
    assert_int_equal(r.status, 413);
    assert_non_null(strstr(r.body, "\"error\":\"tooLarge\""));
    tc_resp_free(&r);
    free(body);
    /* a URL longer than the connection's memory: MHD refuses it (414) */
    size_t ul = 80 * 1024;
    char *url = malloc(ul + 16);
    memcpy(url, "/?q=", 4);
    memset(url + 4, 'b', ul);
    url[ul + 4] = '\0';
    tc_get(t, url, &r);
    if (r.status != 414 && r.status != 431 && r.status != 413)
        fail_msg("long URL: status %ld", r.status);
    tc_resp_free(&r);
    free(url);
}

/* Past the busy limit: 503 with Retry-After. One request is held in
   progress by a client that sends half of its body. */
static void busy_server_says_503(void **state)
{
    (void)state;
    struct tc_srv t;
    tc_srv_start_busy(&t, 1);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)t.port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    static const char half[] =
        "POST /oai HTTP/1.1\r\nHost: x\r\nContent-Type: "
        "application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n"
        "verb=";
    assert_int_equal(write(fd, half, sizeof(half) - 1),
                     (ssize_t)sizeof(half) - 1);
    /* once the server has begun the held request, the next one is refused;
       on a loaded machine that may take a while, so ask until it is (a
       request answered before that is simply not busy yet) */
    struct tc_resp r;
    for (int tries = 0;; tries++) {
        usleep(100000);
        tc_get(&t, "/", &r);
        if (r.status == 503 || tries == 100)
            break;
        tc_resp_free(&r);
    }
    assert_int_equal(r.status, 503);
    assert_string_equal(tc_header(&r, "Retry-After"), "5");
    assert_non_null(strstr(r.body, "\"error\":\"busy\""));
    tc_resp_free(&r);
    close(fd);
    tc_srv_stop(&t);
}

/* `wenyuan serve` prints its URL, answers, and stops cleanly on SIGTERM. */
static void serve_command_stops_on_sigterm(void **state)
{
    (void)state;
    char *home = wy_test_tmpdir();
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    char *argv[] = {
        (char *)wy_test_bin(), "serve",     "-H", home,      "--listen",
        "127.0.0.1:0",         "--threads", "2",  "--quiet", NULL};
    extern char **environ;
    pid_t pid;
    assert_int_equal(posix_spawn(&pid, argv[0], &fa, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    char line[512];
    size_t n = 0;
    while (n + 1 < sizeof(line) && read(fds[0], line + n, 1) == 1 &&
           line[n] != '\n')
        n++;
    line[n] = '\0';
    close(fds[0]);
    const char *url = strstr(line, "http://127.0.0.1:");
    if (!url)
        fail_msg("no URL printed: '%s'", line);
    struct tc_srv t = {.port = (unsigned)atoi(strrchr(url, ':') + 1)};
    struct tc_resp r;
    tc_get(&t, "/", &r);
    assert_int_equal(r.status, 200);
    tc_resp_free(&r);
    assert_int_equal(kill(pid, SIGTERM), 0);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    wy_test_rmdir(home);
}

static void serve_command_refuses_bad_options(void **state)
{
    (void)state;
    char cmd[4096];
    snprintf(cmd, sizeof(cmd), "%s serve -H /nonexistent/x 2>&1",
             wy_test_bin());
    char *out = NULL;
    assert_int_not_equal(wy_test_run(cmd, &out), 0);
    assert_non_null(strstr(out, "'/nonexistent/x'"));
    free(out);
    snprintf(cmd, sizeof(cmd), "%s serve -H /tmp --listen nowhere:port 2>&1",
             wy_test_bin());
    assert_int_not_equal(wy_test_run(cmd, &out), 0);
    assert_non_null(strstr(out, "--listen 'nowhere:port'"));
    free(out);
    snprintf(cmd, sizeof(cmd), "%s serve -H /tmp --threads 0 2>&1",
             wy_test_bin());
    assert_int_not_equal(wy_test_run(cmd, &out), 0);
    assert_non_null(strstr(out, "--threads '0'"));
    free(out);
}

static int srv_setup(void **state)
{
    struct tc_srv *t = calloc(1, sizeof(*t));
    tc_srv_start(t, NULL);
    *state = t;
    return 0;
}

static int srv_teardown(void **state)
{
    struct tc_srv *t = *state;
    tc_srv_stop(t);
    free(t);
    return 0;
}

WY_GROUP(service, NULL, NULL, cmocka_unit_test(params_decode_and_repeat),
         cmocka_unit_test(params_errors_name_the_argument),
         cmocka_unit_test(range_and_gzip_headers),
         cmocka_unit_test(secret_survives_and_damage_is_named),
         cmocka_unit_test_setup_teardown(unknown_path_404_wrong_method_405,
                                         srv_setup, srv_teardown),
         cmocka_unit_test_setup_teardown(index_page_and_assets, srv_setup,
                                         srv_teardown),
         cmocka_unit_test_setup_teardown(oversized_requests_refused, srv_setup,
                                         srv_teardown),
         cmocka_unit_test(busy_server_says_503),
         cmocka_unit_test(serve_command_stops_on_sigterm),
         cmocka_unit_test(serve_command_refuses_bad_options))
