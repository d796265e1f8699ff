#!/usr/bin/env bash
# Build time and peak memory of a policy as it grows: SyntheticPolicy at each size (entries per
# table: hosts, users with hashes, accept, kill.lst exact and suffixes, relay IPv4, deny IPv6),
# built into the server with `dotnet build src/FastSmtp -c Release -p:FastSmtpPolicyDir=...`
# (no build server, so the compiler's memory is counted), then `policy check` on the result.
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
trap 'rm -rf "$work"' EXIT
dotnet build bench/FastSmtp.Benchmarks -c Release -o "$work/bench" -v quiet -nologo >/dev/null
echo "size,policy_mb,build_s,peak_rss_mb,check"
for size in $sizes; do
  dotnet "$work/bench/FastSmtp.Benchmarks.dll" synthetic-policy "$work/policy-$size" "$size" >/dev/null
  policy_mb=$(du -sm "$work/policy-$size" | cut -f1)
  /usr/bin/time -f "%e %M" -o "$work/time" dotnet build src/FastSmtp -c Release -p:FastSmtpPolicyDir="$work/policy-$size" \
    -o "$work/server-$size" -p:UseSharedCompilation=false -v quiet -nologo >/dev/null
  read -r seconds kb <"$work/time"
  check=$(dotnet "$work/server-$size/FastSmtp.dll" policy check | grep "^relay.txt:")
  echo "$size,$policy_mb,$seconds,$((kb / 1024)),\"$check\""
  rm -rf "$work/server-$size"
done
