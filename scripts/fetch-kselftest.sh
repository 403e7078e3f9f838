#!/bin/sh
# The kselftest harness headers, from Debian's linux-source-6.1, into CACHE/kselftest.
# Usage: scripts/fetch-kselftest.sh CACHE
exec "$(dirname "$0")/fetch-linux-source.sh" "${1:?usage: fetch-kselftest.sh CACHE}" kselftest \
	tools/testing/selftests/kselftest_harness.h tools/testing/selftests/kselftest.h
