#!/usr/bin/env bash
# What one SMTP connection costs in allocated bytes: Kestrel's socket transport with a bare
# responder (FastSmtp.Benchmarks bare-kestrel: no parser, policy, session or log) against
# FastSmtp's engine with a null store (system c of run.sh), both loaded by smtp-source with a
# connection per 2 KB message and then with connections reused.
#
#   bench/load/connection-floor.sh [MESSAGES] [SESSIONS]
#
# Prints, per host and mode, KB allocated per message; with a connection per message that is the
# cost of a connection and its one message. Loopback only; stops what it starts.
set -euo pipefail
cd "$(dirname "$0")/../.."
messages=${1:-20000}
sessions=${2:-50}
export PATH="$PATH:/usr/sbin:/sbin"
work=$(mktemp -d /tmp/fastsmtp-floor.XXXXXX)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
dotnet build bench/FastSmtp.Benchmarks -c Release -o "$work/bin" -v quiet -nologo >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')

wait_port() { for _ in $(seq 1 400); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0; sleep 0.05; done; return 1; }

# The host's allocated bytes so far: "STAT" over SMTP for the bare host, the control socket for the engine.
allocated() {
  if [ "$1" = bare ]; then
    python3 - "$port" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5); f = s.makefile("rb")
f.readline(); s.sendall(b"STAT\r\n"); print(f.readline().decode().split("=")[1].strip()); s.sendall(b"QUIT\r\n"); f.readline()
PY
  else
    python3 - "$work/spool/control.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1]); s.sendall(b"stats\n")
print(s.recv(256).decode().split()[0].split("=")[1])
PY
  fi
}

echo "host,mode,messages,kb_per_message"
for host in bare engine; do
  if [ "$host" = bare ]; then
    dotnet "$work/bin/FastSmtp.Benchmarks.dll" bare-kestrel --listen "127.0.0.1:$port" >"$work/host.log" 2>&1 &
  else
    dotnet "$work/bin/FastSmtp.Benchmarks.dll" null-host --listen "127.0.0.1:$port" --spool "$work/spool" --mail-dir "$work/mail" --max-connections 20000 >"$work/host.log" 2>&1 &
  fi
  pid=$!
  wait_port
  smtp-source -s 10 -m 2000 -l 2048 -f a@bench.test -t b@example.org "127.0.0.1:$port"   # warm-up
  for mode in connection reused; do
    flag=""; [ "$mode" = reused ] && flag="-d"
    before=$(allocated "$host")
    smtp-source $flag -s "$sessions" -m "$messages" -l 2048 -f a@bench.test -t b@example.org "127.0.0.1:$port"
    after=$(allocated "$host")
    python3 -c "print(f'$host,$mode,$messages,{($after - $before) / $messages / 1024:.2f}')"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  rm -rf "$work/spool"
done
