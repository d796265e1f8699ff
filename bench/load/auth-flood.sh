#!/usr/bin/env bash
# An honest client's latency while many clients flood AUTH (bench/load/auth-flood.py), against
# FastSmtp built in Release with the default policy (no users with hashes: every attempt costs a
# full verification at the default iteration count).
#
#   bench/load/auth-flood.sh [--flooders "0 30"] [--seconds 20]
#
# Loopback only; stops what it starts.
set -euo pipefail
cd "$(dirname "$0")/../.."

flooders="0 30"
seconds=20
while [ $# -gt 0 ]; do
  case "$1" in
    --flooders) flooders=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

. bench/load/fastsmtp-server.sh
dotnet build src/FastSmtp -c Release -o "$work/fastsmtp" -v quiet -nologo >/dev/null
start_fastsmtp --max-connections-per-minute 0

for n in $flooders; do
  python3 bench/load/auth-flood.py "$port" "$n" "$seconds"
done
