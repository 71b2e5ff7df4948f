#!/usr/bin/env bash
# with-test-ca.sh DIR CMD [ARGS...]
#
# Runs CMD in a private mount namespace in which DIR/bundle.pem (made by
# scripts/make-test-ca.sh) is bind-mounted over the system CA bundle
# /etc/ssl/certs/ca-certificates.crt, so that OpenSSL/libcurl based clients
# (curl, FoundationNetworking's URLSession on Linux) trust the test CA.
# Nothing changes outside the namespace; the mount disappears with CMD.
# Requires root (or CAP_SYS_ADMIN) and util-linux `unshare`.
#
# Env: CA_BUNDLE_TARGET overrides the file that is covered
#      (default /etc/ssl/certs/ca-certificates.crt).
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 DIR CMD [ARGS...]" >&2
    exit 2
fi
DIR=$(cd "$1" && pwd)
shift
BUNDLE="$DIR/bundle.pem"
TARGET=${CA_BUNDLE_TARGET:-/etc/ssl/certs/ca-certificates.crt}

if [ ! -s "$BUNDLE" ]; then
    echo "$0: $BUNDLE missing; run scripts/make-test-ca.sh $DIR first" >&2
    exit 2
fi
if [ ! -e "$TARGET" ]; then
    echo "$0: $TARGET does not exist (nothing to bind over)" >&2
    exit 2
fi

# The target is usually a regular file on Debian; if it is a symlink, the bind
# mount lands on the file it resolves to, which is what readers open anyway.
# As root a mount namespace is enough; otherwise map ourselves to root in a user namespace.
user_namespace=()
if [ "$(id -u)" != 0 ]; then user_namespace=(--map-root-user); fi
exec unshare "${user_namespace[@]}" --mount --propagation private -- \
    /bin/sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"' \
    with-test-ca "$BUNDLE" "$TARGET" "$@"
