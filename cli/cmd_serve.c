/* cli/cmd_serve.c: wenyuan serve: the HTTP service over a home. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "core/log.h"
#include "service/app.h"
#include "service/http.h"

static void usage(FILE *fp)
{
    fprintf(
        fp,
        "usage: wenyuan serve [-H HOME] [--listen ADDR:PORT] [--threads N]\n"
        "                     [--base-url URL] [--page-size N] [--quiet]\n"
        "                     [--max-conn N] [--max-per-ip N]\n\n"
        "Serves HOME over HTTP: the OAI-PMH provider at /oai, the JSON API\n"
        "at /api, stored files at /files and the web page at /.\n"
        "  --listen     address and port (default 127.0.0.1:8080;\n"
        "               IPv6 as [::1]:8080; port 0 picks a free port)\n"
        "  --threads    worker threads (default 4)\n"
        "  --max-conn   open connections (default 256)\n"
        "  --max-per-ip open connections per client address (default\n"
        "               half of --max-conn)\n"
        "  --base-url   the public URL of /oai's parent (behind a proxy)\n"
        "  --page-size  OAI records per page (default 100)\n"
        "  --quiet      no access log\n"
        "SIGTERM or SIGINT stops it gracefully.\n");
}

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
    char *end;
    if (!s || !*s || *s == '-')
        return -1;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || v > max)
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* "127.0.0.1:8080", "[::1]:8080", ":8080", "8080" */
static int parse_listen(char *s, const char **host, unsigned *port)
{
    char *colon;
    if (s[0] == '[') {
        char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return -1;
        *close = '\0';
        *host = s + 1;
        return parse_uint(close + 2, 65535, port);
    }
    colon = strrchr(s, ':');
    if (!colon)
        return parse_uint(s, 65535, port);
    *colon = '\0';
    if (*s)
        *host = s;
    return parse_uint(colon + 1, 65535, port);
}

WY_COMMAND(serve, "serve the home over HTTP (OAI-PMH, JSON API, web page)")
{
    static const struct option opts[] = {
        {"home", required_argument, NULL, 'H'},
        {"listen", required_argument, NULL, 'l'},
        {"threads", required_argument, NULL, 't'},
        {"base-url", required_argument, NULL, 'b'},
        {"page-size", required_argument, NULL, 'p'},
        {"quiet", no_argument, NULL, 'q'},
        {"max-conn", required_argument, NULL, 'm'},
        {"max-per-ip", required_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct wy_err err = WY_ERR_INIT;
    if (cmd_wants_help(argc, argv)) {
        usage(stdout);
        return CMD_OK;
    }
    const char *home = getenv("WENYUAN_HOME");
    const char *base_url = NULL;
    char listen[256] = "127.0.0.1:8080";
    struct svc_config cfg = {0};
    unsigned page_size = 0;
    int quiet = 0, c;
    while ((c = getopt_long(argc, argv, "H:l:t:", opts, NULL)) != -1) {
        switch (c) {
        case 'H':
            home = optarg;
            break;
        case 'l':
            if (strlen(optarg) >= sizeof(listen)) {
                wy_err_set(&err, WY_EINVAL, "--listen '%s' is too long",
                           optarg);
                return cmd_fail("serve", &err);
            }
            snprintf(listen, sizeof(listen), "%s", optarg);
            break;
        case 't':
            if (parse_uint(optarg, 256, &cfg.threads) || cfg.threads == 0) {
                wy_err_set(&err, WY_EINVAL,
                           "--threads '%s' is not a number from 1 to 256",
                           optarg);
                return cmd_fail("serve", &err);
            }
            break;
        case 'b':
            base_url = optarg;
            break;
        case 'p':
            if (parse_uint(optarg, 1000, &page_size) || page_size == 0) {
                wy_err_set(&err, WY_EINVAL,
                           "--page-size '%s' is not a number from 1 to 1000",
                           optarg);
                return cmd_fail("serve", &err);
            }
            break;
        case 'q':
            quiet = 1;
            break;
        case 'm':
            if (parse_uint(optarg, 100000, &cfg.max_conn) || !cfg.max_conn) {
                wy_err_set(&err, WY_EINVAL,
                           "--max-conn '%s' is not a number from 1 to 100000",
                           optarg);
                return cmd_fail("serve", &err);
            }
            break;
        case 'i':
            if (parse_uint(optarg, 100000, &cfg.max_per_ip) ||
                !cfg.max_per_ip) {
                wy_err_set(&err, WY_EINVAL,
                           "--max-per-ip '%s' is not a number from 1 to "
                           "100000",
                           optarg);
                return cmd_fail("serve", &err);
            }
            break;
        default:
            usage(stderr);
            return CMD_USAGE;
        }
    }
    if (!home) {
        wy_err_set(&err, WY_EINVAL, "no home: use -H HOME or set WENYUAN_HOME");
        return cmd_fail("serve", &err);
    }
    char hostbuf[256];
    snprintf(hostbuf, sizeof(hostbuf), "%s", listen);
    cfg.host = "127.0.0.1";
    if (parse_listen(hostbuf, &cfg.host, &cfg.port) != 0) {
        wy_err_set(&err, WY_EINVAL,
                   "--listen '%s' is not ADDRESS:PORT (e.g. 127.0.0.1:8080)",
                   listen);
        return cmd_fail("serve", &err);
    }

    struct wy_log log;
    wy_log_init(&log, stderr, quiet ? WY_LOG_WARN : WY_LOG_INFO);
    struct svc_app *app = NULL;
    if (svc_app_open(&app, home, &err) != WY_OK)
        return cmd_fail("serve", &err);
    if (base_url && !(app->base_url = strdup(base_url))) {
        svc_app_close(app);
        wy_err_set(&err, WY_ENOMEM, "no memory");
        return cmd_fail("serve", &err);
    }
    if (page_size)
        app->page_size = page_size;

    /* the signals are blocked before the worker threads start (they inherit
       the mask), so only sigwait below sees them */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct svc_server *srv = NULL;
    if (svc_server_start(&srv, &cfg, app, &log, &err) != WY_OK) {
        svc_app_close(app);
        return cmd_fail("serve", &err);
    }
    int v6 = strchr(cfg.host, ':') != NULL;
    printf("wenyuan: serving %s at http://%s%s%s:%u/\n", home, v6 ? "[" : "",
           cfg.host, v6 ? "]" : "", svc_server_port(srv));
    fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "wenyuan serve: %s received, stopping\n",
            sig == SIGTERM ? "SIGTERM" : "SIGINT");
    svc_server_stop(srv, 10);
    svc_app_close(app);
    return CMD_OK;
}
