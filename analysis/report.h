/* report.h: `mtascope report`: options, and the run that reads the scans and writes the report. */
#ifndef MS_ANALYSIS_REPORT_H
#define MS_ANALYSIS_REPORT_H

/*
 * Runs `mtascope report` with argv[0] = "report". Returns the process exit
 * status: 0 written, 1 a fault (unreadable store, write error), 2 a usage
 * error. Logs to stderr; writes only the --out file (and --changes files).
 */
int rpt_main(int argc, char **argv);

#endif
