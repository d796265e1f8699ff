#!/usr/bin/env bash
# Soak test: FastSmtp (Release, durable, relaying to smtp-sink) under mixed good and hostile
# clients for MINUTES, then idle; checks that RSS, open file descriptors and the queue come back
# to where they were before the load. Loopback only; bounded in time; stops what it starts.
#   bench/soak/run.sh [MINUTES]        default 10
set -euo pipefail
cd "$(dirname "$0")/../.."
minutes="${1:-10}"
seconds=$((minutes * 60))

if ! command -v smtp-source >/dev/null || ! command -v python3 >/dev/null; then
  sudo=""; if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postfix python3
fi

work="$(mktemp -d /tmp/fastsmtp-soak.XXXXXX)"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sink_port=$(free_port); smtp_port=$(free_port); metrics_port=$(free_port)

dotnet build src/FastSmtp -c Release -o "$work/fastsmtp" -v quiet -nologo >/dev/null
user=(); if [ "$(id -u)" -eq 0 ]; then user=(-u nobody); fi
smtp-sink "${user[@]}" -c "127.0.0.1:$sink_port" 1024 >"$work/sink.out" 2>&1 & pids+=($!)
dotnet "$work/fastsmtp/FastSmtp.dll" --listen "127.0.0.1:$smtp_port" --spool "$work/spool" --mail-dir "$work/mail" \
  --smarthost "127.0.0.1:$sink_port" --metrics "127.0.0.1:$metrics_port" --Logging:LogLevel:Default=Warning >"$work/server.log" 2>&1 &
server=$!; pids+=($server)
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$smtp_port) 2>/dev/null && break; sleep 0.1; done

# A scrape that fails under load (curl's exit status) is a missing value, not the script's end.
metric() { { curl -s --max-time 5 "127.0.0.1:$metrics_port/metrics" || true; } | awk -v n="$1" '$1 ~ "^"n"({|$)" {print $2; exit}'; }
sample() {
  local rss fds queue
  rss=$(awk '/VmRSS/ {print $2}' /proc/$server/status)
  fds=$(ls /proc/$server/fd | wc -l)
  queue=$(metric fastsmtp_queue_messages)
  echo "$rss $fds ${queue:-0}"
}
settle() {
  # Idle until the queue is empty and the idle sessions are gone (bounded at 120 s).
  for _ in $(seq 120); do
    [ "$(metric fastsmtp_queue_messages)" = "0" ] && [ "$(metric fastsmtp_sessions_active)" = "0" ] && break
    sleep 1
  done
  sleep 5
}

echo "warm-up: 20,000 good messages, then a minute of hostile clients"
smtp-source -s 20 -m 20000 -l 2048 -f soak@client.test -t u@remote.example "127.0.0.1:$smtp_port"
python3 bench/soak/hostile.py "$smtp_port" 60 20 >/dev/null
settle
read -r rss0 fds0 queue0 < <(sample)
echo "baseline: RSS ${rss0} KB, ${fds0} fds, ${queue0} queued"

echo "soak: ${minutes} min of good load (smtp-source, reused and not) beside 20 hostile clients"
end=$((SECONDS + seconds))
python3 bench/soak/hostile.py "$smtp_port" "$seconds" 20 >"$work/hostile.out" & hostile=$!; pids+=($hostile)
rounds=0
while [ $SECONDS -lt $end ]; do
  smtp-source -s 10 -m 2000 -l 4096 -f soak@client.test -t u@remote.example "127.0.0.1:$smtp_port" || true
  smtp-source -d -s 10 -m 2000 -l 2048 -f soak@client.test -t u@remote.example "127.0.0.1:$smtp_port" || true
  rounds=$((rounds + 1))
  read -r rss fds queue < <(sample)
  echo "  $(date +%T) round $rounds: RSS ${rss} KB, ${fds} fds, ${queue} queued"
done
wait "$hostile" || true
echo "hostile clients: $(cat "$work/hostile.out")"
settle
read -r rss1 fds1 queue1 < <(sample)
echo "after: RSS ${rss1} KB, ${fds1} fds, ${queue1} queued"
accepted=$(metric fastsmtp_messages_accepted_total)

fail=0
[ "$queue1" = "0" ] || { echo "FAIL: the queue did not drain (${queue1} left)"; fail=1; }
[ "$fds1" -le $((fds0 + 5)) ] || { echo "FAIL: file descriptors grew from ${fds0} to ${fds1}"; fail=1; }
[ "$rss1" -le $((rss0 * 3 / 2 + 20480)) ] || { echo "FAIL: RSS grew from ${rss0} to ${rss1} KB"; fail=1; }
kill -0 "$server" 2>/dev/null || { echo "FAIL: the server died"; tail -20 "$work/server.log"; fail=1; }
echo "accepted in all: ${accepted}"
[ $fail -eq 0 ] && echo "soak passed: RSS, descriptors and queue back to baseline"
exit $fail
