# world.cmake: the test world (NSD + validating unbound on 127.53.0.0/16, ms-smtpd on 127.61.0.0/16,
# as root with Postfix installed also a private Postfix instance on 127.62.0.0/16, with nginx
# installed the MTA-STS policy hosts on 127.63.0.0/16) as the CTest fixture `world`.
#
# Tests that need it add FIXTURES_REQUIRED world and read ${MS_WORLD_DIR}/resolvers.txt (IP:PORT
# lines), domains.txt (scan input), expected.csv and expected_mx.csv (check with
# world/check_expected.py), pki/ca.pem (--ca-file) and world.env (WORLD_SMTP_PORT for --smtp-port,
# WORLD_HTTPS_PORT for --https-port). MS_WORLD_PORT, MS_WORLD_SMTP_PORT and MS_WORLD_HTTPS_PORT pick
# the ports, so two build trees can run their worlds side by side; the SMTP port defaults to
# 2525 + (MS_WORLD_PORT - 53053): 53053 -> 2525, 53353 -> 2825; the HTTPS port to
# 8443 + (MS_WORLD_PORT - 53053): 53053 -> 8443, 53853 -> 9243.
include(${CMAKE_CURRENT_LIST_DIR}/../smtpd/smtpd.cmake)   # ms-smtpd, the world's SMTP servers

# The LD_PRELOAD shim that moves posttls-finger's port-25 connections onto the world's SMTP port
# (tests/world/postfix/port25.c says why). Preloaded into a foreign program: never sanitized.
add_library(ms-port25 MODULE ${CMAKE_CURRENT_LIST_DIR}/postfix/port25.c)
target_link_libraries(ms-port25 PRIVATE ${CMAKE_DL_LIBS})
target_compile_options(ms-port25 PRIVATE -fno-sanitize=all)
target_link_options(ms-port25 PRIVATE -fno-sanitize=all)

find_program(MS_PYTHON3 python3)
find_program(MS_NSD nsd PATHS /usr/sbin /usr/local/sbin)
find_program(MS_UNBOUND unbound PATHS /usr/sbin /usr/local/sbin)
find_program(MS_LDNS_SIGNZONE ldns-signzone)
find_program(MS_DIG dig)
find_program(MS_OPENSSL openssl)
if(NOT (MS_PYTHON3 AND MS_NSD AND MS_UNBOUND AND MS_LDNS_SIGNZONE AND MS_DIG AND MS_OPENSSL))
  message(STATUS "test world disabled: it needs python3, nsd, unbound, ldnsutils, dig and openssl")
  return()
endif()

set(MS_WORLD_PORT 53053 CACHE STRING "UDP/TCP port of the test world's NSD and unbound")
math(EXPR ms_world_smtp_default "2525 + ${MS_WORLD_PORT} - 53053")
if(ms_world_smtp_default LESS 1024 OR ms_world_smtp_default GREATER 65535)
  set(ms_world_smtp_default 2525)
endif()
set(MS_WORLD_SMTP_PORT ${ms_world_smtp_default} CACHE STRING "TCP port of the test world's SMTP listeners")
math(EXPR ms_world_https_default "8443 + ${MS_WORLD_PORT} - 53053")
if(ms_world_https_default LESS 1024 OR ms_world_https_default GREATER 65535)
  set(ms_world_https_default 8443)
endif()
set(MS_WORLD_HTTPS_PORT ${ms_world_https_default} CACHE STRING "TCP port of the test world's MTA-STS policy hosts")
set(MS_WORLD_DIR ${CMAKE_BINARY_DIR}/world-small)
set(MS_WORLD_SRC ${CMAKE_CURRENT_SOURCE_DIR}/world)

# Always a fresh world: stop one left running, regenerate (new keys, fresh signatures), start.
add_test(NAME world.start
         COMMAND sh -c "\"$1/stop.sh\" \"$2\" &&
                        \"$0\" \"$1/worldgen.py\" gen --spec \"$1/catalogue.toml\" --out \"$2\" &&
                        \"$1/start.sh\" \"$2\""
                 ${MS_PYTHON3} ${MS_WORLD_SRC} ${MS_WORLD_DIR})
add_test(NAME world.stop COMMAND ${MS_WORLD_SRC}/stop.sh ${MS_WORLD_DIR})
add_test(NAME world.sanity COMMAND ${MS_WORLD_SRC}/sanity.sh ${MS_WORLD_DIR})
# The catalogue's expectations, confirmed against what the validating resolver really answers.
add_test(NAME world.oracle COMMAND ${MS_PYTHON3} ${MS_WORLD_SRC}/oracle.py --world ${MS_WORLD_DIR})

# The SMTP listeners' behaviour and certificates against expected_mx.csv (openssl s_client + Python).
add_test(NAME world.smtp_sanity
         COMMAND ${MS_PYTHON3} ${MS_WORLD_SRC}/smtp_sanity.py --world ${MS_WORLD_DIR})

set_tests_properties(world.start PROPERTIES FIXTURES_SETUP world TIMEOUT 120
                     ENVIRONMENT "WORLD_PORT=${MS_WORLD_PORT};WORLD_SMTP_PORT=${MS_WORLD_SMTP_PORT};WORLD_HTTPS_PORT=${MS_WORLD_HTTPS_PORT};MS_SMTPD=$<TARGET_FILE:ms-smtpd>")
set_tests_properties(world.stop PROPERTIES FIXTURES_CLEANUP world TIMEOUT 60)
set_tests_properties(world.sanity world.oracle world.smtp_sanity PROPERTIES FIXTURES_REQUIRED world
                     TIMEOUT 120)
