/* main.c: mtascope entry point: dispatches subcommands. */
#include <stdio.h>
#include <string.h>

#include "analysis/report.h"
#include "common/strbuf.h"
#include "datasets/psl.h"
#include "scanner/merge.h"
#include "scanner/options.h"
#include "scanner/pipeline.h"
#include "scanner/versions.h"

static void usage(FILE *fp)
{
    fputs("usage: mtascope <command> [options]\n"
          "\n"
          "commands:\n"
          "  scan [options] INPUT   scan the domains in INPUT ('-' for stdin)\n"
          "  report DIR... --out F  adoption report of one or more scans\n"
          "  merge OUT DIR...       combine the shards of one scan into OUT\n"
          "  version                print the version and library versions\n"
          "\n"
          "'mtascope scan --help', 'mtascope report --help' and 'mtascope merge --help'\n"
          "list the options; see also mtascope(1).\n",
          fp);
}

static int cmd_version(void)
{
    struct ms_buf b;

    ms_buf_init(&b);
    scan_versions_text(&b);
    printf("mtascope %s (%s)\n", MS_VERSION, ms_buf_cstr(&b));
    ms_buf_free(&b);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0)
        return cmd_version();
    if (strcmp(argv[1], "scan") == 0) {
        struct scan_opts o;
        int rc = scan_opts_parse(&o, argc - 1, argv + 1);
        if (rc != 0)
            return rc == 1 ? 0 : 2;
        return scan_run(&o, argc, argv);
    }
    if (strcmp(argv[1], "report") == 0) {
        int rc = rpt_main(argc - 1, argv + 1);
        ds_psl_shutdown(); /* the list the per-suffix and per-provider figures loaded */
        return rc;
    }
    if (strcmp(argv[1], "merge") == 0) {
        int rc = scan_merge_main(argc - 1, argv + 1);
        ds_psl_shutdown(); /* the list the merge's shard checks loaded */
        return rc;
    }
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "mtascope: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
