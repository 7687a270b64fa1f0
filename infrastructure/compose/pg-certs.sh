#!/bin/sh
# One-shot of docker-compose.yml (service pg-certs, in the postgres image, which has openssl):
# a throwaway certificate authority and the PostgreSQL server's certificate signed by it, so
# that joblake connects with sslmode=verify-full. Writes $CERTS_DIR/server.crt and server.key
# (for the server: owned by its user, uid 999 in the postgres image) and $CA_DIR/ca.crt (for
# clients). The CA's key is not kept: nothing else can be signed with it. Certificates with
# more than 30 days left are kept; otherwise all are made again (then restart postgres and
# joblake, which read them at start).
set -eu

certs="${CERTS_DIR:-/certs}"
ca="${CA_DIR:-/ca}"
host="${PG_HOST:-postgres}"
days="${CERT_DAYS:-365}"
owner="${PG_UID:-999}:${PG_GID:-999}"

if [ -s "$certs/server.crt" ] && [ -s "$certs/server.key" ] && [ -s "$ca/ca.crt" ] &&
  openssl x509 -checkend 2592000 -noout -in "$certs/server.crt" >/dev/null; then
  echo "pg-certs: certificates valid for 30 more days, kept"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
umask 077
openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -sha256 \
  -days "$days" -subj "/CN=joblake compose CA" -keyout "$work/ca.key" -out "$work/ca.crt" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  2>/dev/null
openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -sha256 \
  -subj "/CN=$host" -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
# rustls (joblake's TLS) checks the name against subjectAltName only, never the CN.
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:%s,DNS:localhost,IP:127.0.0.1\n' \
  "$host" >"$work/server.ext"
openssl x509 -req -sha256 -days "$days" -in "$work/server.csr" -CA "$work/ca.crt" \
  -CAkey "$work/ca.key" -CAcreateserial -extfile "$work/server.ext" -out "$work/server.crt" \
  2>/dev/null

mkdir -p "$certs" "$ca"
# Made under umask 077: the server's user must be able to enter them.
chmod 755 "$certs" "$ca"
cp "$work/server.crt" "$work/server.key" "$certs/"
# PostgreSQL refuses a key that others can read.
chown "$owner" "$certs/server.crt" "$certs/server.key"
chmod 600 "$certs/server.key"
chmod 644 "$certs/server.crt"
cp "$work/ca.crt" "$ca/ca.crt"
chmod 644 "$ca/ca.crt"
echo "pg-certs: new CA and server certificate for $host, valid $days days"
