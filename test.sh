#!/usr/bin/env bash
# Runs every test suite. On a fresh Debian machine with the .NET 10 SDK it first installs what the
# tests need (Chromium, PostgreSQL), starts a throwaway PostgreSQL on a free loopback port for the
# run, and stops it afterwards, whatever happens.
set -euo pipefail
cd "$(dirname "$0")"

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v openssl >/dev/null || need+=(openssl)
command -v npm >/dev/null || need+=(nodejs npm)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  echo "== Installing ${need[*]}"
  sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  # The tests start their own server: no permanent cluster on port 5432.
  "${sudo_cmd[@]}" mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" | "${sudo_cmd[@]}" tee /etc/postgresql-common/createcluster.d/adminportal-tests.conf >/dev/null
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# A throwaway PostgreSQL server, owned by the postgres user (initdb refuses root).
pg_bin=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -n 1)")
pg_dir=$(mktemp -d /tmp/adminportal-pg.XXXXXX)
trap 'rm -rf "$pg_dir"' EXIT
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}
pg_port=$(free_port)
pg_password=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
as_pg=(); [ "$(id -u)" -eq 0 ] && { chown postgres "$pg_dir"; as_pg=(runuser -u postgres --); }
stop_postgres() {
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap stop_postgres EXIT
echo "$pg_password" > "$pg_dir/pwfile"
[ ${#as_pg[@]} -gt 0 ] && chown postgres "$pg_dir/pwfile"
"${as_pg[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --pwfile="$pg_dir/pwfile" \
  --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/postgres.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c fsync=off" start >/dev/null
echo "== PostgreSQL on 127.0.0.1:$pg_port"
export ADMINPORTAL_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Password=$pg_password;Database=postgres"

# The Entra-shaped test identity provider: its npm packages, and an HTTPS certificate for
# 127.0.0.1 that the portal under test trusts (SSL_CERT_FILE: the system roots plus this one).
echo "== Test identity provider"
idp_dir=tests/AdminPortal.BrowserTests/EntraIdp
npm ci --prefix "$idp_dir" --no-audit --no-fund --loglevel=error >/dev/null
# The official Standard Webhooks library, which the unit tests use to check the portal's signatures.
npm ci --prefix tests/AdminPortal.UnitTests/Dispatch/verifier --no-audit --no-fund --loglevel=error >/dev/null
# Node-RED 5 (and the Node 22 it needs), which runs samples/node-red in the playbook tests.
echo "== Node-RED"
npm ci --prefix tests/node-red --no-audit --no-fund --loglevel=error >/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
  -keyout "$pg_dir/idp-key.pem" -out "$pg_dir/idp-cert.pem" 2>/dev/null
cat /etc/ssl/certs/ca-certificates.crt "$pg_dir/idp-cert.pem" > "$pg_dir/trusted-roots.pem"
export SSL_CERT_FILE="$pg_dir/trusted-roots.pem"
export ADMINPORTAL_TEST_IDP_DIR="$PWD/$idp_dir"
export ADMINPORTAL_TEST_IDP_CERT="$pg_dir/idp-cert.pem"
export ADMINPORTAL_TEST_IDP_KEY="$pg_dir/idp-key.pem"

echo "== Building"
dotnet tool restore >/dev/null
dotnet build AdminPortal.sln -nologo -v q -clp:ErrorsOnly

echo "== Testing"
log="$pg_dir/test-output.txt"
status=0
# A hung test fails the run (with a dump) instead of stalling it.
dotnet test AdminPortal.sln --no-build -nologo --blame-hang-timeout 10m 2>&1 | tee "$log" || status=$?

# One closing line over every suite.
awk '/^(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit $status
