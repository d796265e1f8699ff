#!/usr/bin/env bash
# Backpressure under sustained load: FastSmtp relaying to an smtp-sink slowed to 1 s per DATA
# (`-w 1`: with --relay-concurrency 50, about 50 deliveries a second), while smtp-source keeps
# SESSIONS reused sessions sending as fast as they are let. Every 5 s it samples the queue
# (fastsmtp_queue_messages), accepted and delivered counts, the MAIL waits and the server's RSS.
# The queue must level off near --inflow-delay-backlog instead of growing for as long as the load
# lasts, with no message refused or lost.
#   bench/load/backpressure.sh [MINUTES] [SESSIONS] [BACKLOG]     (defaults: 10 200 10000)
# Writes bench/results/<date>-backpressure.csv and .svg. Loopback only; stops what it starts.
set -euo pipefail
cd "$(dirname "$0")/../.."
minutes=${1:-10}
sessions=${2:-200}
backlog=${3:-10000}
export PATH="$PATH:/usr/sbin:/sbin"

work=$(mktemp -d /tmp/fastsmtp-backpressure.XXXXXX)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 1 400); do (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 never opened" >&2; return 1; }

dotnet build src/FastSmtp -c Release -o "$work/fastsmtp" -v quiet -nologo >/dev/null
sink_port=$(free_port); port=$(free_port); metrics=$(free_port)
user=(); [ "$(id -u)" -eq 0 ] && user=(-u nobody)
smtp-sink "${user[@]}" -c -w 1 "127.0.0.1:$sink_port" 1024 >"$work/sink.out" 2>&1 &
pids+=($!); wait_port "$sink_port"
dotnet "$work/fastsmtp/FastSmtp.dll" --listen "127.0.0.1:$port" --spool "$work/spool" --mail-dir "$work/mail" \
  --smarthost "127.0.0.1:$sink_port" --max-connections 20000 --metrics "127.0.0.1:$metrics" \
  --inflow-delay-backlog "$backlog" --Logging:LogLevel:Default Warning >"$work/server.log" 2>&1 &
server=$!; pids+=("$server"); wait_port "$port"

smtp-source -d -s "$sessions" -m 100000000 -l 2048 -f bench@client.test -t user@remote.example "127.0.0.1:$port" >"$work/source.out" 2>&1 &
source_pid=$!; pids+=("$source_pid")

metric() { curl -s "http://127.0.0.1:$metrics/metrics" | awk -v name="$1" '$1 == name || index($1, name "{") == 1 { print $2; exit }'; }
out="bench/results/$(date -u +%Y-%m-%d)-backpressure"
mkdir -p bench/results
echo "seconds,queue,accepted,delivered,mail_waits,mail_wait_seconds,rss_mb" >"$out.csv"
start=$(date +%s)
while [ $(( $(date +%s) - start )) -lt $(( minutes * 60 )) ]; do
  sleep 5
  delivered=$(tr '\r' '\n' <"$work/sink.out" | sed -n 's/.*mesg=\([0-9]*\).*/\1/p' | tail -1)
  rss=$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$server/status")
  echo "$(( $(date +%s) - start )),$(metric fastsmtp_queue_messages),$(metric fastsmtp_messages_accepted_total),${delivered:-0},$(metric fastsmtp_inflow_delayed_total),$(metric fastsmtp_inflow_delay_seconds_total),$rss" | tee -a "$out.csv" >&2
done
kill "$source_pid" 2>/dev/null || true
if grep -q "refused\|4[0-9][0-9] \|5[0-9][0-9] " "$work/source.out"; then echo "smtp-source saw refusals:" >&2; grep -m5 "refused\|4[0-9][0-9] \|5[0-9][0-9] " "$work/source.out" >&2; fi

python3 - "$out.csv" "$out.svg" "$backlog" "$sessions" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]))); bound = int(sys.argv[3])
w, h, l, r, t, b = 760, 360, 70, 150, 30, 50
xmax = max(int(x["seconds"]) for x in rows); qmax = max(max(float(x["queue"] or 0) for x in rows), bound) * 1.15
rmax = max(float(x["rss_mb"]) for x in rows) * 1.15
X = lambda s: l + (w - l - r) * s / xmax
line = lambda key, top, colour: '<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>' % (colour, " ".join(f"{X(int(x['seconds'])):.1f},{t + (h - t - b) * (1 - float(x[key] or 0) / top):.1f}" for x in rows))
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="11">',
       f'<text x="{l}" y="18">FastSmtp backpressure: {sys.argv[4]} reused sessions, next hop at ~50 msgs/s, bound {bound}</text>',
       f'<line x1="{l}" y1="{h-b}" x2="{w-r}" y2="{h-b}" stroke="black"/><line x1="{l}" y1="{t}" x2="{l}" y2="{h-b}" stroke="black"/>',
       f'<line x1="{l}" x2="{w-r}" y1="{t + (h-t-b) * (1 - bound / qmax):.1f}" y2="{t + (h-t-b) * (1 - bound / qmax):.1f}" stroke="#999" stroke-dasharray="4"/>',
       line("queue", qmax, "#2ca02c"), line("rss_mb", rmax, "#1f77b4"),
       f'<text x="{w-r+8}" y="{t+10}" fill="#2ca02c">queue (max {qmax/1.15:.0f})</text>', f'<text x="{w-r+8}" y="{t+26}" fill="#1f77b4">RSS MB (max {rmax/1.15:.0f})</text>',
       f'<text x="{w-r+8}" y="{t+42}" fill="#999">bound</text>',
       f'<text x="{(l + w - r) / 2}" y="{h-15}">seconds (0-{xmax})</text></svg>']
open(sys.argv[2], "w").write("\n".join(svg))
PY
echo "written to $out.csv and $out.svg" >&2
