#!/usr/bin/env bash
# Build time and peak memory of a policy as it grows, and how long a running server takes to
# reload it: SyntheticPolicy at each size (entries per table: hosts, users with hashes, accept,
# kill.lst exact and suffixes, relay IPv4, deny IPv6), built alone with
# `dotnet build src/FastSmtp.Policy -c Release -p:FastSmtpPolicyDir=... -o ...` (no build
# server and one MSBuild node, so the compiler is a child of the measured process and its memory
# is counted; the server it references is built first and is
# up to date), which runs tests.txt; then `policy check` on the result, and `policy reload` of
# it into a server started with the same policy.
# Per-lookup figures at the same sizes: --filter '*PolicyScale*'.
#
#   bench/policy-scale.sh [--sizes "10000 100000 200000"]
set -euo pipefail
cd "$(dirname "$0")/.."

sizes="10000 100000 200000"
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

work=$(mktemp -d)
server_pid=""
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT
dotnet build bench/FastSmtp.Benchmarks -c Release -o "$work/bench" -v quiet -nologo >/dev/null
dotnet build src/FastSmtp -c Release -v quiet -nologo >/dev/null
server=src/FastSmtp/bin/Release/net10.0/FastSmtp.dll
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo "size,policy_mb,build_s,peak_rss_mb,dll_mb,reload_command_s,reload_in_server_ms,check"
for size in $sizes; do
  dotnet "$work/bench/FastSmtp.Benchmarks.dll" synthetic-policy "$work/policy-$size" "$size" >/dev/null
  policy_mb=$(du -sm "$work/policy-$size" | cut -f1)
  /usr/bin/time -f "%e %M" -o "$work/time" dotnet build src/FastSmtp.Policy -c Release -p:FastSmtpPolicyDir="$work/policy-$size" \
    -o "$work/policy-out-$size" -p:UseSharedCompilation=false -nodeReuse:false -m:1 -v quiet -nologo >/dev/null
  read -r seconds kb <"$work/time"
  dll="$work/policy-out-$size/FastSmtp.Policy.dll"
  dll_mb=$(du -m "$dll" | cut -f1)
  check=$(dotnet "$server" policy check --policy "$dll" | grep "^relay.txt:")

  # A server running this policy reloads it (the same file, rebuilt or not: loaded, checked, swapped).
  dotnet "$server" --listen "127.0.0.1:$port" --spool "$work/spool-$size" --mail-dir "$work/mail" --policy "$dll" >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 600); do grep -q "listening on" "$work/server.log" && break; sleep 0.1; done
  /usr/bin/time -f "%e" -o "$work/reload-time" dotnet "$server" policy reload --spool "$work/spool-$size" >/dev/null
  reload=$(cat "$work/reload-time")
  for _ in $(seq 1 50); do grep -q "Reloaded policy" "$work/server.log" && break; sleep 0.1; done
  loaded_ms=$(grep -o "in [0-9]* ms" "$work/server.log" | tail -1 | tr -dc 0-9)
  kill "$server_pid"; wait "$server_pid" || true; server_pid=""

  echo "$size,$policy_mb,$seconds,$((kb / 1024)),$dll_mb,$reload,$loaded_ms,\"$check\""
  rm -rf "$work/policy-out-$size" "$work/spool-$size"
done
