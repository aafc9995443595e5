/* pipeline.h: `mtascope scan`: streams the input through the DNS stage into the result store. */
#ifndef MS_SCANNER_PIPELINE_H
#define MS_SCANNER_PIPELINE_H

#include "scanner/options.h"

/*
 * Runs a whole scan on the calling thread: reads o->input, keeps at most
 * o->concurrency domains in flight, writes o->out_dir. Returns the process
 * exit status (0 complete, 1 fatal error, 3 interrupted; see mtascope(1)).
 */
int scan_run(const struct scan_opts *o, int argc, char **argv);

#endif
