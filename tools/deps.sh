#!/bin/sh
# deps.sh - make sure the Debian packages acctbatch builds and tests with are
# installed. As root it installs what is missing with apt-get; otherwise it
# prints the exact apt-get line to run and fails.
set -u
PACKAGES="gcc clang libclang-rt-14-dev clang-format make pkg-config util-linux time bc python3 unzip libcsv-dev libxml2-dev libxml2-utils libsqlite3-dev sqlite3 \
libarchive-dev libcmocka-dev libsodium-dev libjansson-dev iso-codes"
[ "${ACCTBATCH_EXTRA_PACKAGES:-}" ] && PACKAGES="$PACKAGES $ACCTBATCH_EXTRA_PACKAGES"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "deps: installing:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null && apt-get install -y -q $missing >/dev/null && exit 0
	echo "deps: apt-get install failed" >&2
	exit 1
fi
echo "acctbatch needs these Debian packages. Run:" >&2
echo "  sudo apt-get install$missing" >&2
exit 1
