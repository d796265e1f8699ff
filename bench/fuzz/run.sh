#!/usr/bin/env bash
# Fuzzes FastSmtp's parsers (commands, PROXY headers, message data) with AFL++ through a
# SharpFuzz-instrumented build, for a bounded time.
#   bench/fuzz/run.sh [SECONDS]      default 300
# Installs afl++ (Debian package) and the SharpFuzz instrumenter (a .NET tool, into
# bench/fuzz/.tools) when missing. Exits 1 when AFL++ found a crash: an exception, or an input
# that parses differently when split; the inputs are copied to bench/fuzz/findings/ and can be
# replayed with `dotnet bench/fuzz/FastSmtp.Fuzz/bin/Release/net10.0/FastSmtp.Fuzz.dll FILE...`.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-300}"

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
if ! command -v afl-fuzz >/dev/null; then
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends afl++
fi
tools=bench/fuzz/.tools
if [ ! -x "$tools/sharpfuzz" ]; then
  dotnet tool install SharpFuzz.CommandLine --tool-path "$tools" >/dev/null
fi

work="$(mktemp -d /tmp/fastsmtp-fuzz.XXXXXX)"
trap 'rm -rf "$work"' EXIT
dotnet build bench/fuzz/FastSmtp.Fuzz -c Release -o "$work/bin" -v quiet -nologo >/dev/null
"$tools/sharpfuzz" "$work/bin/FastSmtp.dll" >/dev/null

# Seeds: what clients and balancers really send.
mkdir -p "$work/in"
printf 'EHLO client.example\r\nMAIL FROM:<a@b.example> SIZE=100\r\nRCPT TO:<u@c.example> NOTIFY=SUCCESS\r\nDATA\r\n' >"$work/in/session"
printf 'Subject: x\r\n\r\n..dot\r\nline\r\n.\r\nQUIT\r\n' >"$work/in/data"
printf 'PROXY TCP4 192.0.2.7 192.0.2.1 56324 25\r\nEHLO x\r\n' >"$work/in/proxy1"
printf '\r\n\r\n\0\r\nQUIT\n\x21\x11\0\x0c\xc0\0\x02\x07\xc0\0\x02\x01\xdc\x04\0\x19' >"$work/in/proxy2"
printf 'RCPT TO:<"quoted local"@[IPv6:2001:db8::1]> ORCPT=rfc822;a+2Bb@c\r\nAUTH PLAIN AGFAYg==\r\n' >"$work/in/paths"

export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1
echo "fuzzing for ${seconds}s..."
afl-fuzz -i "$work/in" -o "$work/out" -t 5000 -m none -V "$seconds" -- dotnet "$work/bin/FastSmtp.Fuzz.dll" >"$work/afl.log" 2>&1 || {
  echo "afl-fuzz failed:"; tail -30 "$work/afl.log"; exit 2; }

stats="$work/out/default/fuzzer_stats"
for key in run_time execs_done execs_per_sec corpus_count edges_found saved_crashes saved_hangs; do
  grep -E "^$key " "$stats" || true
done
crashes=$(find "$work/out/default/crashes" -type f ! -name README.txt | wc -l)
if [ "$crashes" -gt 0 ]; then
  mkdir -p bench/fuzz/findings
  cp "$work"/out/default/crashes/id* bench/fuzz/findings/
  echo "$crashes crashing inputs, copied to bench/fuzz/findings/" >&2
  exit 1
fi
echo "no crashes"
