#!/usr/bin/env bash
# Whether a failed AUTH tells an existing account from a missing one by its time
# (bench/load/auth-timing.py), against FastSmtp built in Release with the default policy plus
# one user whose hash has hash-password's default cost.
#
#   bench/load/auth-timing.sh [--attempts 40]
#
# Loopback only; stops what it starts.
set -euo pipefail
cd "$(dirname "$0")/../.."

attempts=40
while [ $# -gt 0 ]; do
  case "$1" in
    --attempts) attempts=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

. bench/load/fastsmtp-server.sh
cp -r policy "$work/policy"
dotnet build src/FastSmtp -c Release -o "$work/hasher" -v quiet -nologo >/dev/null
hash=$(echo 'the real password' | dotnet "$work/hasher/FastSmtp.dll" hash-password)
echo "fred@localhost $hash" >>"$work/policy/users.txt"
dotnet build src/FastSmtp -c Release -o "$work/fastsmtp" -p:FastSmtpPolicyDir="$work/policy" -v quiet -nologo >/dev/null
start_fastsmtp
python3 bench/load/auth-timing.py "$port" fred@localhost "$attempts"
