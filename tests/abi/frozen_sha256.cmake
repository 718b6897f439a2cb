# Fails unless FILE's SHA-256 is SHA256: the released 1.0 header
# (frozen/v1.0/cdh_plugin.h) is never edited; a plugin built from it must
# keep loading, and that proof is only as good as the copy.
# Usage: cmake -DFILE=... -DSHA256=... -P frozen_sha256.cmake
file(SHA256 "${FILE}" got)
if(NOT got STREQUAL SHA256)
  message(FATAL_ERROR "${FILE} was edited: SHA-256 ${got}, released as "
    "${SHA256}. The 1.0 header is frozen; change abi/cdh_plugin.h instead "
    "(growing structs at the end, as a new minor).")
endif()
message(STATUS "ok: ${FILE} is the released 1.0 header")
