#!/usr/bin/env bash
# Keys and certificates for TLS between fivepp members (deploy/tls/member-tls.conf), made by the
# JDK's keytool: one CA, and one key pair per member signed by it.
#   deploy/tls/make-keys.sh DIR NAME [NAME...]
# NAME is how the member is reached (a host name or an IPv4 address; it goes into the certificate's
# subject alternative name). DIR gets, readable by you only:
#   NAME.p12        the member's key store: its key and the chain CA -> NAME (FIVEPP_TLS_KEY_STORE)
#   truststore.p12  the CA's certificate, the same for every member (FIVEPP_TLS_TRUST_STORE)
#   ca.crt          the CA's certificate
#   ca.p12          the CA's key: keep it offline; with it, more members can be signed
#   password        the stores' password, when FIVEPP_TLS_PASSWORD was not set (FIVEPP_TLS_PASSWORD)
# Nothing is overwritten: a file that is already there stops the script before it writes anything.
# Environment: FIVEPP_TLS_PASSWORD (default: 24 random bytes, base64), FIVEPP_TLS_DAYS (validity, 825).
# To sign more members later with the same CA: FIVEPP_TLS_PASSWORD=... deploy/tls/make-keys.sh DIR NEWNAME
# (ca.p12 and truststore.p12 in DIR are then reused).
set -euo pipefail
me="make-keys.sh"
fail() { echo "$me: $1" >&2; exit 2; }

usage() { sed -n '2,14s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
case "${1:-}" in
  -h | --help) usage; exit 0 ;;
  "") usage >&2; exit 2 ;;
esac
[ $# -ge 2 ] || fail "give a folder and at least one member name, e.g. $me /etc/fivepp/tls node-1 node-2"
dir="$1"; shift
days="${FIVEPP_TLS_DAYS:-825}"
[[ "$days" =~ ^[1-9][0-9]{0,4}$ ]] || fail "FIVEPP_TLS_DAYS must be a number of days from 1 to 99999, not '$days'"

keytool="keytool"
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/keytool" ]; then keytool="$JAVA_HOME/bin/keytool"; fi
command -v "$keytool" >/dev/null || fail "keytool (from a Java JDK or JRE) is not on the PATH; install Java 17 or set JAVA_HOME"

declare -A seen=()
for name in "$@"; do
  [[ "$name" =~ ^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$ ]] \
    || fail "member name '$name': give a host name or an IPv4 address (letters, digits, '.' and '-')"
  case "$name" in ca | truststore | password) fail "member name '$name' is taken by a file of the CA; choose another" ;; esac
  [ -z "${seen[$name]:-}" ] || fail "member name '$name' is given twice"
  seen[$name]=1
  [ ! -e "$dir/$name.p12" ] || fail "$dir/$name.p12 exists; remove it first, or choose another name"
done

reuse_ca=0
if [ -e "$dir/ca.p12" ]; then
  [ -n "${FIVEPP_TLS_PASSWORD:-}" ] || fail "$dir/ca.p12 exists: set FIVEPP_TLS_PASSWORD to its password to sign more members with it"
  [ -e "$dir/truststore.p12" ] && [ -e "$dir/ca.crt" ] || fail "$dir has ca.p12 but not truststore.p12 and ca.crt; use a new folder"
  reuse_ca=1
else
  for f in truststore.p12 ca.crt password; do
    [ ! -e "$dir/$f" ] || fail "$dir/$f exists without ca.p12; use a new folder"
  done
fi

generated=0
if [ -z "${FIVEPP_TLS_PASSWORD:-}" ]; then
  FIVEPP_TLS_PASSWORD="$(head -c 24 /dev/urandom | base64 | tr -d '\n')"
  generated=1
fi
[ "${#FIVEPP_TLS_PASSWORD}" -ge 6 ] || fail "FIVEPP_TLS_PASSWORD must have at least 6 characters (keytool's minimum)"
export FIVEPP_TLS_PASSWORD

umask 077
mkdir -p "$dir" || fail "cannot create the folder $dir"
work="$(mktemp -d "$dir/.make-keys.XXXXXX")" || fail "cannot write in $dir"
trap 'rm -rf "$work"' EXIT

# keytool reads the password from the environment (never from its arguments); it is quiet unless it fails
kt() {
  local out
  if ! out="$("$keytool" "$@" 2>&1)"; then
    fail "keytool $1 failed: $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-300)"
  fi
}
pass=(-storepass:env FIVEPP_TLS_PASSWORD)

if [ "$reuse_ca" = 1 ]; then
  kt -list -keystore "$dir/ca.p12" "${pass[@]}" -alias ca
else
  kt -genkeypair -alias ca -keyalg EC -groupname secp256r1 -dname "CN=fivepp cluster CA" \
    -ext bc:c -ext ku:c=keyCertSign,cRLSign -validity "$days" -storetype PKCS12 -keystore "$work/ca.p12" "${pass[@]}"
  kt -exportcert -rfc -alias ca -keystore "$work/ca.p12" "${pass[@]}" -file "$work/ca.crt"
  kt -importcert -noprompt -alias ca -file "$work/ca.crt" -storetype PKCS12 -keystore "$work/truststore.p12" "${pass[@]}"
fi
ca_store="$dir/ca.p12"; ca_crt="$dir/ca.crt"
if [ "$reuse_ca" = 0 ]; then ca_store="$work/ca.p12"; ca_crt="$work/ca.crt"; fi

for name in "$@"; do
  if [[ "$name" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]]; then san="ip:$name"; else san="dns:$name"; fi
  kt -genkeypair -alias member -keyalg EC -groupname secp256r1 -dname "CN=$name" -validity "$days" \
    -storetype PKCS12 -keystore "$work/$name.p12" "${pass[@]}"
  kt -certreq -alias member -keystore "$work/$name.p12" "${pass[@]}" -file "$work/$name.csr"
  # a member is both a server and a client of its peers (mutual authentication)
  kt -gencert -alias ca -keystore "$ca_store" "${pass[@]}" -infile "$work/$name.csr" -outfile "$work/$name.crt" \
    -rfc -validity "$days" -ext "san=$san" -ext ku:c=digitalSignature -ext eku=serverAuth,clientAuth
  kt -importcert -noprompt -alias ca -file "$ca_crt" -keystore "$work/$name.p12" "${pass[@]}"
  kt -importcert -alias member -file "$work/$name.crt" -keystore "$work/$name.p12" "${pass[@]}"
  rm -f "$work/$name.csr" "$work/$name.crt"
done

# everything made: move it into place (the names were checked to be free)
if [ "$generated" = 1 ]; then printf '%s' "$FIVEPP_TLS_PASSWORD" >"$work/password"; fi
for f in "$work"/*; do mv "$f" "$dir/"; done

made="$(printf '%s.p12 ' "$@")"
if [ "$reuse_ca" = 0 ]; then made+="truststore.p12 ca.crt ca.p12 (keep it offline)"; fi
if [ "$generated" = 1 ]; then made+=" password"; fi
echo "made in $dir: $made"
echo "each member gets its NAME.p12 as /etc/fivepp/tls/member.p12, truststore.p12 as /etc/fivepp/tls/truststore.p12,"
echo "and the password in FIVEPP_TLS_PASSWORD; then: fivepp node ... --config deploy/tls/member-tls.conf"
