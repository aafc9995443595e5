# smtpd.cmake: ms-smtpd, the test world's scripted SMTP/STARTTLS responder (tests/world/README.md).
# Included by tests/world/world.cmake (and safe to include again from tests/CMakeLists.txt).
include_guard(GLOBAL)

add_executable(ms-smtpd ${CMAKE_CURRENT_LIST_DIR}/main.c ${CMAKE_CURRENT_LIST_DIR}/conf.c
                        ${CMAKE_CURRENT_LIST_DIR}/session.c)
target_link_libraries(ms-smtpd PRIVATE PkgConfig::LIBUV PkgConfig::OPENSSL)
