#!/usr/bin/env bash
# FastSmtp against smtp-sink, the SmtpServer NuGet package and Postfix, side by side, one run.
#
#   bench/load/run.sh [--messages N] [--sessions "1 10 50 200"] [--systems abcdef] [--reuse "no yes"] [--idle N]
#                     [--warmup N]
#
#   a  Postfix's smtp-sink (C, accepts and discards): the limit
#   b  a null-store server on the SmtpServer NuGet package (bench/peers/SmtpServerPeer)
#   c  FastSmtp's engine with a null message store (bench-only host: FastSmtp.Benchmarks null-host)
#   d  Postfix as a durable relay forwarding to smtp-sink (private config and queue, loopback)
#   e  FastSmtp as a durable relay forwarding to smtp-sink
#   f  Haraka (Node.js, from npm) relaying to smtp-sink with queue/smtp_forward, a worker per core
#      (bench/peers/haraka; it forwards inside the client's transaction, nothing on disk)
#
# Load: smtp-source, N messages of 2 KB, at each session count, with a connection per message
# ("no") and with connections reused (-d, "yes"), after a warm-up of --warmup messages (10 reused
# sessions; a relay's warm-up delivered) that no figure counts: a server's first seconds (.NET's
# JIT and its tiering) are not its throughput; --warmup 0 measures from a cold start, as runs
# before the warm-up did. Beside the load one probe client times complete transactions
# (p50/p99). Then --idle N sessions (after EHLO) are held open against FastSmtp and the
# SmtpServer peer to measure memory per session.
# Writes bench/results/<date>.md and .svg. Installs what it needs (Debian/Ubuntu); loopback only;
# every process it starts is stopped on exit; fails when a system loses or refuses mail.
set -euo pipefail
cd "$(dirname "$0")/../.."

messages=20000
sessions="1 10 50 200"
systems="abcdef"
reuses="no yes"
idle=10000
warmup=2000
while [ $# -gt 0 ]; do
  case "$1" in
    --messages) messages=$2; shift 2 ;;
    --sessions) sessions=$2; shift 2 ;;
    --systems) systems=$2; shift 2 ;;
    --reuse) reuses=$2; shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
size=2048

export PATH="$PATH:/usr/sbin:/sbin"
sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
if ! command -v smtp-source >/dev/null || ! command -v postfix >/dev/null || ! command -v python3 >/dev/null; then
  echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postfix python3
fi
ulimit -n 200000 2>/dev/null || ulimit -n "$(ulimit -Hn)"

work=$(mktemp -d /tmp/fastsmtp-load.XXXXXX)
chmod 755 "$work"   # Postfix daemons run as the postfix user and must reach its queue
pids=()
postfix_conf=""
cleanup() {
  touch "$work/stop" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "$postfix_conf" ]; then postfix -c "$postfix_conf" stop >/dev/null 2>&1 || true; fi
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 1 400); do (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 never opened" >&2; return 1; }
now() { date +%s.%N; }

if [[ "$systems" == *f* ]] && ! command -v npm >/dev/null; then
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm
fi
if [[ "$systems" == *f* ]] && [ ! -x bench/peers/haraka/node_modules/.bin/haraka ]; then
  echo "installing Haraka from npm (bench/peers/haraka)..." >&2
  (cd bench/peers/haraka && npm install --no-audit --no-fund --no-package-lock --loglevel=error >/dev/null)
fi

echo "building FastSmtp, its bench host and the SmtpServer peer (Release)..." >&2
dotnet build src/FastSmtp -c Release -o "$work/fastsmtp" -v quiet -nologo >/dev/null
dotnet build bench/FastSmtp.Benchmarks -c Release -o "$work/benchhost" -v quiet -nologo >/dev/null
dotnet build bench/peers/SmtpServerPeer -c Release -o "$work/peer" -v quiet -nologo >/dev/null

# CPU seconds and peak RSS (MB) of a process tree: the process, its children, and the children
# it has reaped (cutime/cstime). Peak RSS is summed over the live processes.
proc_stats() {
  python3 - "$1" <<'PY'
import os, sys
root = int(sys.argv[1]); tick = os.sysconf("SC_CLK_TCK"); cpu = 0; hwm = 0
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        status = open(f"/proc/{pid}/status").read()
    except OSError:
        continue
    ppid, utime, stime, cutime, cstime = int(fields[1]), *map(int, fields[11:15])
    if int(pid) != root and ppid != root:
        continue
    cpu += utime + stime + (cutime + cstime if int(pid) == root else 0)
    hwm += next((int(l.split()[1]) for l in status.splitlines() if l.startswith("VmHWM:")), 0)
print(f"{cpu / tick:.2f} {hwm / 1024:.1f}")
PY
}
# Bytes the FastSmtp process has allocated so far, through its control socket (systems c and e).
allocated() {
  python3 - "$1/control.sock" <<'PY' 2>/dev/null || echo ""
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1]); s.sendall(b"stats\n")
print(s.recv(256).decode().split()[0].split("=")[1])
PY
}
spool_of() { case "$1" in c) echo "$work/c-spool" ;; e) echo "$work/e-spool" ;; *) echo "" ;; esac; }

rss_mb() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# The downstream sink of the relays (and system a itself); -c prints a running count.
start_sink() {
  sink_port=$(free_port)
  local user=(); [ "$(id -u)" -eq 0 ] && user=(-u nobody)
  smtp-sink "${user[@]}" -c "127.0.0.1:$sink_port" 1024 >"$work/sink.out" 2>&1 &
  sink_pid=$!; pids+=("$sink_pid")
  wait_port "$sink_port"
}
sink_count() { local n; n=$(tr '\r' '\n' <"$work/sink.out" | sed -n 's/.*mesg=\([0-9]*\).*/\1/p' | tail -1); echo "${n:-0}"; }
stop_sink() { kill "$sink_pid" 2>/dev/null || true; wait "$sink_pid" 2>/dev/null || true; }

start_a() { target_port=$sink_port; root_pid=$sink_pid; }
stop_a() { :; }
accepted_a() { sink_count; }

start_b() {
  target_port=$(free_port)
  dotnet "$work/peer/SmtpServerPeer.dll" "$target_port" >"$work/b.log" 2>&1 &
  root_pid=$!; pids+=("$root_pid"); wait_port "$target_port"
}
stop_b() { kill -TERM "$root_pid" 2>/dev/null || true; wait "$root_pid" 2>/dev/null || true; }
accepted_b() { sed -n 's/.*stopped: \([0-9]*\) messages.*/\1/p' "$work/b.log"; }

start_c() {
  target_port=$(free_port)
  dotnet "$work/benchhost/FastSmtp.Benchmarks.dll" null-host --listen "127.0.0.1:$target_port" --spool "$work/c-spool" \
    --mail-dir "$work/c-mail" --max-connections 20000 >"$work/c.log" 2>&1 &
  root_pid=$!; pids+=("$root_pid"); wait_port "$target_port"
}
stop_c() { kill -TERM "$root_pid" 2>/dev/null || true; wait "$root_pid" 2>/dev/null || true; rm -rf "$work/c-spool"; }
accepted_c() { sed -n 's/.*stopped: \([0-9]*\) messages.*/\1/p' "$work/c.log"; }

start_e() {
  target_port=$(free_port)
  rm -rf "$work/e-spool" "$work/e-mail"
  dotnet "$work/fastsmtp/FastSmtp.dll" --listen "127.0.0.1:$target_port" --spool "$work/e-spool" --mail-dir "$work/e-mail" \
    --smarthost "127.0.0.1:$sink_port" --max-connections 20000 >"$work/e.log" 2>&1 &
  root_pid=$!; pids+=("$root_pid"); wait_port "$target_port"
}
stop_e() { kill -TERM "$root_pid" 2>/dev/null || true; wait "$root_pid" 2>/dev/null || true; }
accepted_e() { sink_count; }

start_d() {
  target_port=$(free_port)
  postfix_conf="$work/postfix/conf"
  rm -rf "$work/postfix"; mkdir -p "$postfix_conf" "$work/postfix/queue" "$work/postfix/data"
  sed -e "s|@ROOT@|$work/postfix|g" -e "s|@RELAY@|[127.0.0.1]:$sink_port|" -e "s|@HOSTNAME@|postfix.bench.test|" \
    bench/load/postfix/main.cf.in >"$postfix_conf/main.cf"
  # The packaged master.cf with smtpd on our port and nothing chrooted.
  awk -v port="127.0.0.1:$target_port" '
    /^smtp +inet/ { $1 = port; $5 = "n"; print; next }
    /^[a-z]/ && NF >= 8 { $5 = "n" }
    { print }' /etc/postfix/master.cf.proto >"$postfix_conf/master.cf"
  chown -R postfix "$work/postfix/data"
  postfix -c "$postfix_conf" start >/dev/null
  wait_port "$target_port"
  root_pid=$(tr -d ' ' <"$work/postfix/queue/pid/master.pid")
}
stop_d() { postfix -c "$postfix_conf" stop >/dev/null 2>&1 || true; sleep 1; postfix_conf=""; }
accepted_d() { sink_count; }

start_f() {
  target_port=$(free_port)
  rm -rf "$work/haraka"; mkdir -p "$work/haraka/config"
  # Haraka's own defaults (connection.ini holds the greeting), then this peer's settings over them.
  cp -r bench/peers/haraka/node_modules/Haraka/config/. "$work/haraka/config/"
  for file in bench/peers/haraka/config/*; do
    sed -e "s|@LISTEN@|127.0.0.1:$target_port|" -e "s|@SINK_PORT@|$sink_port|" "$file" >"$work/haraka/config/$(basename "$file")"
  done
  bench/peers/haraka/node_modules/.bin/haraka -c "$work/haraka" >"$work/f.log" 2>&1 &
  root_pid=$!; pids+=("$root_pid"); wait_port "$target_port"
}
# The cluster master passes SIGTERM to its workers.
stop_f() { kill -TERM "$root_pid" 2>/dev/null || true; wait "$root_pid" 2>/dev/null || true; }
accepted_f() { sink_count; }

is_relay() { [ "$1" = d ] || [ "$1" = e ] || [ "$1" = f ]; }

# Waits until the sink has counted N messages (a relay's deliveries), at most 900 s.
wait_sink() {
  local deadline=$(( $(date +%s) + 900 ))
  while [ "$(sink_count)" -lt "$2" ]; do
    if [ "$(date +%s)" -gt "$deadline" ]; then echo "$1: the sink got $(sink_count) of $2" >&2; exit 1; fi
    sleep 0.05
  done
}

# The warm-up before a measured run; a relay's is delivered before the measurement starts.
warm_up() {
  [ "$warmup" -gt 0 ] || return 0
  if ! smtp-source -d -s 10 -m "$warmup" -l "$size" -f bench@client.test -t user@remote.example "127.0.0.1:$target_port" >"$work/warmup.out" 2>&1; then
    echo "$1: the warm-up failed: $(tail -3 "$work/warmup.out")" >&2; exit 1
  fi
  if is_relay "$1"; then wait_sink "$1" "$warmup"; fi
}

echo "system,sessions,reuse,messages,accepted,delivered,p50,p99,rss_mb,cpu10k,alloc_kb" >"$work/results.csv"
run_one() {
  local system=$1 sess=$2 reuse=$3
  start_sink
  "start_$system"
  warm_up "$system"
  rm -f "$work/stop"
  python3 bench/load/probe.py "$target_port" "$work/stop" "$work/probe.out" 900 2>"$work/probe.err" &
  local probe=$!; pids+=("$probe")
  local before; before=$(proc_stats "$root_pid")
  local spool alloc_before=""; spool=$(spool_of "$system")
  [ -n "$spool" ] && alloc_before=$(allocated "$spool")
  local t0 t1 t2 reuse_flag=()
  [ "$reuse" = yes ] && reuse_flag=(-d)
  t0=$(now)
  if ! smtp-source "${reuse_flag[@]}" -s "$sess" -m "$messages" -l "$size" -f bench@client.test -t user@remote.example "127.0.0.1:$target_port" >"$work/source.out" 2>&1; then
    echo "$system: smtp-source failed: $(tail -3 "$work/source.out")" >&2; exit 1
  fi
  t1=$(now)
  touch "$work/stop"; wait "$probe"
  local probe_sent; probe_sent=$(head -1 "$work/probe.out")
  local expected=$((messages + probe_sent)) delivered=""
  if is_relay "$system"; then
    wait_sink "$system" $((warmup + expected))
    t2=$(now)
    delivered=$(python3 -c "print(f'{$messages / ($t2 - $t0):.1f}')")
  fi
  local after; after=$(proc_stats "$root_pid")
  local alloc_after=""
  [ -n "$spool" ] && alloc_after=$(allocated "$spool")
  "stop_$system"
  local counted; counted=$("accepted_$system")
  stop_sink
  if [ "${counted:-0}" -ne $((warmup + expected)) ]; then
    echo "$system lost or duplicated mail: counted ${counted:-0}, sent $((warmup + expected)) (warm-up $warmup + smtp-source $messages + probe $probe_sent)" >&2; exit 1
  fi
  python3 - "$system" "$sess" "$reuse" "$messages" "$t0" "$t1" "$delivered" "$before" "$after" "$work/probe.out" "$alloc_before" "$alloc_after" "$expected" >>"$work/results.csv" <<'PY'
import statistics, sys
system, sess, reuse, n, t0, t1, delivered, before, after, probe, a0, a1, expected = sys.argv[1:14]
alloc = f"{(int(a1) - int(a0)) / int(expected) / 1024:.1f}" if a0 and a1 else ""
n, t0, t1 = int(n), float(t0), float(t1)
cpu0, _ = map(float, before.split()); cpu1, rss = map(float, after.split())
lat = sorted(float(l) for l in open(probe).read().split()[1:])
p = lambda q: f"{lat[min(len(lat) - 1, int(q * len(lat)))]:.1f}" if lat else "-"
print(f"{system},{sess},{reuse},{n},{n / (t1 - t0):.1f},{delivered},{p(0.5)},{p(0.99)},{rss:.1f},{(cpu1 - cpu0) * 10000 / n:.1f},{alloc}")
PY
  tail -1 "$work/results.csv" >&2
}

for sess in $sessions; do
  for reuse in $reuses; do
    for system in $(echo "$systems" | grep -o .); do
      run_one "$system" "$sess" "$reuse"
    done
  done
done

# Idle sessions: memory per greeted session, FastSmtp (the real server) and the SmtpServer peer.
echo "system,sessions,rss_before_mb,rss_after_mb,per_session_kb" >"$work/idle.csv"
if [ "$idle" -gt 0 ]; then
  for system in e b; do
    start_sink
    "start_$system"
    rm -f "$work/stop"
    python3 bench/load/probe.py "$target_port" "$work/stop.warm" "$work/warm.out" 2 2>/dev/null || true
    local_before=$(rss_mb "$root_pid")
    python3 bench/load/idle.py "$target_port" "$idle" "$work/stop" 600 >"$work/idle.out" 2>"$work/idle.err" &
    idler=$!; pids+=("$idler")
    for _ in $(seq 1 1200); do grep -q '^ready' "$work/idle.out" 2>/dev/null && break; kill -0 "$idler" 2>/dev/null || break; sleep 0.1; done
    if ! grep -q "^ready $idle" "$work/idle.out"; then echo "$system: could not hold $idle sessions: $(tail -3 "$work/idle.err")" >&2; exit 1; fi
    sleep 1
    local_after=$(rss_mb "$root_pid")
    touch "$work/stop"; wait "$idler" || true
    "stop_$system"; stop_sink
    python3 -c "print(f'$system,$idle,$local_before,$local_after,{($local_after - $local_before) * 1024 / $idle:.1f}')" >>"$work/idle.csv"
    tail -1 "$work/idle.csv" >&2
  done
fi

mkdir -p bench/results
out="bench/results/$(date -u +%Y-%m-%d)"
machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/^Mem:/ {print $2}') GiB, $(uname -r), .NET $(dotnet --version), Postfix $(postconf -d mail_version 2>/dev/null | cut -d' ' -f3); $messages messages of $size bytes per run; command: bench/load/run.sh --messages $messages --sessions \"$sessions\" --systems $systems --reuse \"$reuses\" --idle $idle --warmup $warmup"
cp "$work/results.csv" "$out.csv"
cp "$work/idle.csv" "$out-idle.csv"
python3 bench/load/report.py "$out.csv" "$out-idle.csv" "$machine" "$out"
echo "written to $out.md, $out.svg, $out.csv" >&2
