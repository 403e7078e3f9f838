#!/bin/sh
# The kernel's checkpatch.pl with the files it reads from its own directory, from Debian's
# linux-source-6.1, into CACHE/checkpatch.
# Usage: scripts/fetch-checkpatch.sh CACHE
set -eu
cache=${1:?usage: fetch-checkpatch.sh CACHE}
"$(dirname "$0")/fetch-linux-source.sh" "$cache" checkpatch scripts/checkpatch.pl \
	scripts/spelling.txt scripts/const_structs.checkpatch
chmod 0755 "$cache/checkpatch/checkpatch.pl"
