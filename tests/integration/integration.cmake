# Integration tests: the real mtascope binary against the real test world (NSD + unbound on 127.53.0.0/16).
set(MS_WORLD_DIR ${CMAKE_BINARY_DIR}/world-small)

add_test(NAME integration.dns_stage
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_dns_stage.sh $<TARGET_FILE:mtascope>
          ${MS_WORLD_DIR} ${CMAKE_BINARY_DIR}/it-dns-stage)
add_test(NAME integration.resume
  COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_resume.py $<TARGET_FILE:mtascope>
          ${MS_WORLD_DIR} ${CMAKE_BINARY_DIR}/it-resume)
add_test(NAME integration.cli
  COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_cli.py $<TARGET_FILE:mtascope>
          ${MS_WORLD_DIR} ${CMAKE_BINARY_DIR}/it-cli)
set_tests_properties(integration.dns_stage integration.resume integration.cli
  PROPERTIES FIXTURES_REQUIRED world TIMEOUT 600)

add_test(NAME integration.smtp_stage
  COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_smtp_stage.py $<TARGET_FILE:mtascope>
          ${MS_WORLD_DIR} ${CMAKE_BINARY_DIR}/it-smtp-stage)
set_tests_properties(integration.smtp_stage PROPERTIES FIXTURES_REQUIRED world TIMEOUT 600)

add_test(NAME integration.exclude
  COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_exclude.py $<TARGET_FILE:mtascope>
          ${MS_WORLD_DIR} ${CMAKE_BINARY_DIR}/it-exclude)
set_tests_properties(integration.exclude PROPERTIES FIXTURES_REQUIRED world TIMEOUT 600)

# Postfix's posttls-finger against every DANE case of the world (ms-smtpd's and the world's Postfix
# instance's): same verdict as the scanner, or a documented difference. Needs root and Postfix;
# otherwise the test exits 77 and is reported as skipped.
add_test(NAME integration.posttls_finger
  COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_posttls_finger.py $<TARGET_FILE:mtascope>
          ${MS_WORLD_DIR} ${CMAKE_BINARY_DIR}/it-posttls-finger $<TARGET_FILE:ms-port25>)
set_tests_properties(integration.posttls_finger PROPERTIES FIXTURES_REQUIRED world TIMEOUT 600
                     SKIP_RETURN_CODE 77)

# The MTA-STS stage against the world's policy hosts (nginx): every expected column, what nginx saw
# of the scanner's fetches, and (as root with postfix-mta-sts-resolver installed) mta-sts-query's
# verdict on the same policies, same or a documented difference. Without root or mta-sts-query that
# part is skipped and says so; the scanner part always runs.
add_test(NAME integration.sts_stage
  COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_sts_stage.py $<TARGET_FILE:mtascope>
          ${MS_WORLD_DIR} ${CMAKE_BINARY_DIR}/it-sts-stage $<TARGET_FILE:ms-port25>)
set_tests_properties(integration.sts_stage PROPERTIES FIXTURES_REQUIRED world TIMEOUT 600)

# --shard K/N and --registered-only: four shards are disjoint, their union is a single scan, one registered
# domain's names share a shard, and the partition is recorded in the manifest and the store's meta.
add_test(NAME integration.shard
  COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_shard.py $<TARGET_FILE:mtascope>
          ${MS_WORLD_DIR} ${CMAKE_BINARY_DIR}/it-shard)
set_tests_properties(integration.shard PROPERTIES FIXTURES_REQUIRED world TIMEOUT 600)

# The HTML report rendered in headless Chromium (Debian package chromium): console errors, network
# requests (through a recording proxy on 127.0.0.1 that forwards nothing), charts drawn, sorting;
# the screenshot's path (it-report-html/report.png) is printed for CI to keep. Without Chromium the
# test exits 77 and is reported as skipped.
add_test(NAME integration.report_html
  COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_report_html.py $<TARGET_FILE:mtascope>
          ${MS_WORLD_DIR} ${CMAKE_BINARY_DIR}/it-report-html $<TARGET_FILE:ms-report-sample>)
set_tests_properties(integration.report_html PROPERTIES FIXTURES_REQUIRED world TIMEOUT 600
                     SKIP_RETURN_CODE 77)

# `mtascope report` over two scans of the world: every figure against counts computed from
# domains.csv and mx.csv in Python, the trend table, and the Markdown and CSV forms.
add_test(NAME integration.report
  COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_report.py $<TARGET_FILE:mtascope>
          ${MS_WORLD_DIR} ${CMAKE_BINARY_DIR}/it-report)
set_tests_properties(integration.report PROPERTIES FIXTURES_REQUIRED world TIMEOUT 600)
# These fetch every policy of the world, and sts_stage counts the fetches in nginx's log.
set_tests_properties(integration.sts_stage integration.report integration.report_html
                     PROPERTIES RESOURCE_LOCK world_https)

# The periodic job (scripts/periodic/): the service's command, with its Environment= lines, twice on
# the world (two dated scans, a trend of two points), a resumed re-run, the lock; systemd-analyze
# verify on both units where it is installed.
add_test(NAME integration.periodic
  COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_periodic.py $<TARGET_FILE:mtascope>
          ${MS_WORLD_DIR} ${CMAKE_BINARY_DIR}/it-periodic)
set_tests_properties(integration.periodic PROPERTIES FIXTURES_REQUIRED world TIMEOUT 600
                     RESOURCE_LOCK world_https)

# A 4-shard scan of the world as a Slurm array job on a one-node cluster the test brings up (its
# own munged, slurmctld, slurmd in a temporary directory), merged by a dependent job: equal to a
# single-process scan. Needs root (exit 77 otherwise). MS_SLURM_PORT (slurmctld; slurmd one above)
# derives from MS_WORLD_PORT like the world's other ports, so build trees do not clash.
math(EXPR ms_slurm_port_default "16817 + ${MS_WORLD_PORT} - 53053")
set(MS_SLURM_PORT ${ms_slurm_port_default} CACHE STRING "slurmctld port of integration.slurm")
add_test(NAME integration.slurm
  COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_slurm.py $<TARGET_FILE:mtascope>
          ${MS_WORLD_DIR} ${CMAKE_BINARY_DIR}/it-slurm ${MS_SLURM_PORT})
# It fetches the world's policies (see world_https above) and probes its SMTP servers: never beside
# integration.smtp_stage, which counts the connections at once each server sees.
set_tests_properties(integration.slurm PROPERTIES FIXTURES_REQUIRED world TIMEOUT 300
                     SKIP_RETURN_CODE 77 RESOURCE_LOCK "world_https;world_smtp")
set_tests_properties(integration.smtp_stage PROPERTIES RESOURCE_LOCK world_smtp)

# mtascope merge on real shard scans: equal to an unsharded scan; the store's meta (input SHA-256,
# complete=false after SIGINT/SIGKILL); every refusal on real output (options, input, stdin,
# interrupted, missing or repeated shard, a record planted in a second shard with mdb_load).
add_test(NAME integration.merge
  COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_merge.py $<TARGET_FILE:mtascope>
          ${MS_WORLD_DIR} ${CMAKE_BINARY_DIR}/it-merge)
set_tests_properties(integration.merge PROPERTIES FIXTURES_REQUIRED world TIMEOUT 600)

# Input formats: a zone file made from the world's list (plain, gzip, stdin, --zone-origin) and a top list
# give the list's records; malformed records are input errors.
add_test(NAME integration.inputs
  COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_inputs.py $<TARGET_FILE:mtascope>
          ${MS_WORLD_DIR} ${CMAKE_BINARY_DIR}/it-inputs)
set_tests_properties(integration.inputs PROPERTIES FIXTURES_REQUIRED world TIMEOUT 600)

# Dedupe without holding the input: repeats next to each other, hundreds and thousands of lines apart, in a
# zone file's split NS runs, and again under --resume, each recorded once and counted.
add_test(NAME integration.dedupe
  COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_dedupe.py $<TARGET_FILE:mtascope>
          ${MS_WORLD_DIR} ${CMAKE_BINARY_DIR}/it-dedupe)
set_tests_properties(integration.dedupe PROPERTIES FIXTURES_REQUIRED world TIMEOUT 600)

# --dry-run: counts what a scan would (dedupe, shards, input errors), sends nothing, leaves no files.
add_test(NAME integration.dryrun
  COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_dryrun.py $<TARGET_FILE:mtascope>
          ${CMAKE_BINARY_DIR}/it-dryrun)
