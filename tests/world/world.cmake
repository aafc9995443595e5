# world.cmake: the test world (NSD + validating unbound on 127.53.0.0/16) as the CTest fixture `world`.
#
# Tests that need it add FIXTURES_REQUIRED world and read ${MS_WORLD_DIR}/resolvers.txt (IP:PORT
# lines), domains.txt (scan input) and expected.csv (check with world/check_expected.py).
# MS_WORLD_PORT picks the port, so two build trees can run their worlds side by side.
find_program(MS_PYTHON3 python3)
find_program(MS_NSD nsd PATHS /usr/sbin /usr/local/sbin)
find_program(MS_UNBOUND unbound PATHS /usr/sbin /usr/local/sbin)
find_program(MS_LDNS_SIGNZONE ldns-signzone)
find_program(MS_DIG dig)
if(NOT (MS_PYTHON3 AND MS_NSD AND MS_UNBOUND AND MS_LDNS_SIGNZONE AND MS_DIG))
  message(STATUS "test world disabled: it needs python3, nsd, unbound, ldnsutils and dig")
  return()
endif()

set(MS_WORLD_PORT 53053 CACHE STRING "UDP/TCP port of the test world's NSD and unbound")
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

set_tests_properties(world.start PROPERTIES FIXTURES_SETUP world TIMEOUT 120
                     ENVIRONMENT "WORLD_PORT=${MS_WORLD_PORT}")
set_tests_properties(world.stop PROPERTIES FIXTURES_CLEANUP world TIMEOUT 60)
set_tests_properties(world.sanity world.oracle PROPERTIES FIXTURES_REQUIRED world TIMEOUT 120)
