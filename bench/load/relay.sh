#!/usr/bin/env bash
# Durable relay throughput, FastSmtp against Postfix, on the same load in the same run:
#   smtp-source -> relay -> smtp-sink, every message fsync'd by the relay before its 250.
# Usage: bench/load/relay.sh [MESSAGES] [SESSIONS...]     (defaults: 20000 messages; 1 10 50)
# Prints one line per system and session count: accepted msgs/s (smtp-source's wall time),
# delivered msgs/s (until the sink has them all), and writes the table to bench/results/.
# Loopback only; every process started is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

messages=${1:-20000}
shift || true
sessions=("${@:-1 10 50}")
# shellcheck disable=SC2206
sessions=(${sessions[*]})
size=2048

need() { command -v "$1" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin" command -v "$1" >/dev/null 2>&1; }
sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
if ! need smtp-source || ! need postfix; then
  echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postfix
fi
export PATH="$PATH:/usr/sbin:/sbin"

work=$(mktemp -d /tmp/fastsmtp-relay-bench.XXXXXX)
chmod 755 "$work"   # Postfix daemons run as the postfix user and must reach its queue
pids=()
postfix_conf=""
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "$postfix_conf" ]; then postfix -c "$postfix_conf" stop >/dev/null 2>&1 || true; fi
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 1 200); do (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 never opened" >&2; return 1; }

dotnet build src/FastSmtp -c Release -o "$work/fastsmtp" -v quiet -nologo >/dev/null

# A fresh sink per run; -c prints a running count of delivered messages.
start_sink() {
  sink_port=$(free_port)
  sink_user=(); [ "$(id -u)" -eq 0 ] && sink_user=(-u nobody)
  smtp-sink "${sink_user[@]}" -c "127.0.0.1:$sink_port" 1024 >"$work/sink.out" 2>&1 &
  sink_pid=$!; pids+=("$sink_pid")
  wait_port "$sink_port"
}
# smtp-sink -c writes "sess=N quit=N mesg=N" and a carriage return after each event.
sink_count() { local n; n=$(tr '\r' '\n' <"$work/sink.out" | sed -n 's/.*mesg=\([0-9]*\).*/\1/p' | tail -1); echo "${n:-0}"; }
stop_sink() { kill "$sink_pid" 2>/dev/null || true; wait "$sink_pid" 2>/dev/null || true; }

start_fastsmtp() {
  relay_port=$(free_port)
  rm -rf "$work/spool" "$work/mail"
  dotnet "$work/fastsmtp/FastSmtp.dll" --listen "127.0.0.1:$relay_port" --spool "$work/spool" --mail-dir "$work/mail" \
    --smarthost "127.0.0.1:$sink_port" --max-connections 1000 >"$work/fastsmtp.log" 2>&1 &
  relay_pid=$!; pids+=("$relay_pid")
  wait_port "$relay_port"
}
stop_fastsmtp() { kill "$relay_pid" 2>/dev/null || true; wait "$relay_pid" 2>/dev/null || true; }

start_postfix() {
  relay_port=$(free_port)
  postfix_conf="$work/postfix/conf"
  rm -rf "$work/postfix"; mkdir -p "$postfix_conf" "$work/postfix/queue" "$work/postfix/data"
  cat >"$postfix_conf/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $work/postfix/queue
data_directory = $work/postfix/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = postfix.bench.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$sink_port
smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination
local_transport = error:no local delivery
alias_maps =
alias_database =
maillog_file = $work/postfix/maillog
maillog_file_prefixes = $work
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
default_process_limit = 200
CONF
  # The packaged master.cf, with smtpd on our port and nothing chrooted.
  awk -v port="127.0.0.1:$relay_port" '
    /^smtp +inet/ { $1 = port; $5 = "n"; print; next }
    /^[a-z]/ && NF >= 8 { $5 = "n" }
    { print }' /etc/postfix/master.cf.proto >"$postfix_conf/master.cf"
  chown -R postfix "$work/postfix/data"
  postfix -c "$postfix_conf" start >/dev/null 2>&1 || postfix -c "$postfix_conf" start
  wait_port "$relay_port"
}
stop_postfix() { postfix -c "$postfix_conf" stop >/dev/null 2>&1 || true; sleep 1; postfix_conf=""; }

now() { date +%s.%N; }

# CPU seconds used by a process tree so far: the process, its live children, and (through
# cutime/cstime) the children it has already reaped.
cpu_seconds() {
  python3 - "$1" <<'PY'
import os, sys
root = int(sys.argv[1]); tick = os.sysconf("SC_CLK_TCK"); total = 0
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        continue
    ppid, utime, stime, cutime, cstime = int(fields[1]), *map(int, fields[11:15])
    if int(pid) == root:
        total += utime + stime + cutime + cstime
    elif ppid == root:
        total += utime + stime
print(total / tick)
PY
}
relay_root_pid() { if [ "$1" = postfix ]; then cat "$work/postfix/queue/pid/master.pid" | tr -d ' '; else echo "$relay_pid"; fi; }

run_one() {
  local system=$1 sess=$2
  start_sink
  "start_$system"
  local start accepted_at delivered_at cpu_before cpu_after root_pid
  root_pid=$(relay_root_pid "$system")
  cpu_before=$(cpu_seconds "$root_pid")
  start=$(now)
  smtp-source -s "$sess" -m "$messages" -l "$size" -f bench@client.test -t user@remote.example "127.0.0.1:$relay_port" >/dev/null 2>&1
  accepted_at=$(now)
  local deadline=$(( $(date +%s) + 600 ))
  while [ "$(sink_count)" -lt "$messages" ]; do
    if [ "$(date +%s)" -gt "$deadline" ]; then echo "$system: the sink got $(sink_count) of $messages" >&2; exit 1; fi
    sleep 0.05
  done
  delivered_at=$(now)
  cpu_after=$(cpu_seconds "$root_pid")
  "stop_$system"
  local delivered; delivered=$(sink_count)
  # FastSmtp logs at exit how many messages its fsync batches carried (state records batch too).
  local per_fsync="-"
  if [ "$system" = fastsmtp ]; then
    per_fsync=$(sed -n 's/.*stopped: \([0-9]*\) messages committed in \([0-9]*\) fsync batches.*/\1 \2/p' "$work/fastsmtp.log" | awk '{ if ($2 > 0) printf "%.1f", $1 / $2 }')
  fi
  stop_sink
  if [ "$delivered" -ne "$messages" ]; then echo "$system lost or duplicated mail: the sink counted $delivered of $messages" >&2; exit 1; fi
  python3 - "$system" "$sess" "$messages" "$start" "$accepted_at" "$delivered_at" "$cpu_before" "$cpu_after" "${per_fsync:--}" <<'PY'
import sys
system, sess, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
t0, t1, t2, c0, c1 = map(float, sys.argv[4:9])
print(f"| {system} | {sess} | {n/(t1-t0):,.0f} | {n/(t2-t0):,.0f} | {(c1-c0)*10000/n:.1f} | {sys.argv[9]} |")
PY
}

mkdir -p bench/results
out="bench/results/relay-$(date -u +%Y-%m-%d).md"
{
  echo "# Durable relay: smtp-source -> relay -> smtp-sink, $messages messages of $size bytes"
  echo
  echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r), .NET $(dotnet --version), $(postconf -d mail_version 2>/dev/null | cut -d' ' -f3 | sed 's/^/Postfix /')"
  echo
  echo "| system | sessions | accepted msgs/s | delivered msgs/s | relay CPU s per 10k msgs | messages per fsync batch |"
  echo "|---|---:|---:|---:|---:|---:|"
} | tee "$out"
for sess in "${sessions[@]}"; do
  run_one fastsmtp "$sess" | tee -a "$out"
  run_one postfix "$sess" | tee -a "$out"
done
echo "written to $out"
