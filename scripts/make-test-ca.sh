#!/usr/bin/env bash
# make-test-ca.sh DIR
#
# Generates a throwaway test CA and a server certificate for the fake Pontotel
# server (Tests/Fixtures/fake_pontotel.py) into DIR:
#   ca.pem, ca.key          - self-signed test CA (EC P-256)
#   server.pem, server.key  - server cert signed by the CA
#                             SAN: IP:127.0.0.1, IP:::1, DNS:localhost
#   bundle.pem              - system bundle (/etc/ssl/certs/ca-certificates.crt)
#                             followed by ca.pem; see scripts/with-test-ca.sh
#
# Idempotent: existing keys/certs are reused while the server cert still
# verifies against ca.pem and is valid for at least one more day; bundle.pem
# is always rebuilt (cheap), so a system-bundle update is picked up.
# Set FORCE=1 to regenerate everything.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
DIR=$1
SYSTEM_BUNDLE=${SYSTEM_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
mkdir -p "$DIR"
cd "$DIR"

valid() {
    [ -s ca.pem ] && [ -s ca.key ] && [ -s server.pem ] && [ -s server.key ] || return 1
    openssl verify -CAfile ca.pem server.pem >/dev/null 2>&1 || return 1
    openssl x509 -in server.pem -noout -checkend 86400 >/dev/null 2>&1 || return 1
    # key must match the certificate
    [ "$(openssl x509 -in server.pem -noout -pubkey 2>/dev/null)" = \
      "$(openssl pkey -in server.key -pubout 2>/dev/null)" ] || return 1
}

if [ "${FORCE:-0}" = 1 ] || ! valid; then
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/testca.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    umask 077
    openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/ca.key" 2>/dev/null
    openssl req -new -x509 -key "$tmp/ca.key" -sha256 -days 3650 \
        -subj "/O=pontotel-swift tests/CN=pontotel-swift Test CA $(date +%s)" \
        -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -addext "subjectKeyIdentifier=hash" \
        -out "$tmp/ca.pem"
    openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/server.key" 2>/dev/null
    openssl req -new -key "$tmp/server.key" -subj "/O=pontotel-swift tests/CN=localhost" \
        -out "$tmp/server.csr"
    cat > "$tmp/ext.cnf" <<'EXT'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid,issuer
EXT
    openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" \
        -CAcreateserial -days 825 -sha256 -extfile "$tmp/ext.cnf" \
        -out "$tmp/server.pem" 2>/dev/null
    chmod 644 "$tmp/ca.pem" "$tmp/server.pem"
    # keys readable by the owner only; tests run as the same user.
    for f in ca.key ca.pem server.key server.pem; do mv -f "$tmp/$f" "$f"; done
fi

# bundle.pem = system bundle + test CA (written atomically).
umask 022
{
    if [ -r "$SYSTEM_BUNDLE" ]; then cat "$SYSTEM_BUNDLE"; echo; fi
    cat ca.pem
} > bundle.pem.tmp.$$
mv -f bundle.pem.tmp.$$ bundle.pem
