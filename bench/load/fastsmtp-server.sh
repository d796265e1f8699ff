# Sourced by the AUTH benchmarks. Sets $work (a scratch folder) and a trap that stops the server
# and removes it on exit; start_fastsmtp [SERVER OPTIONS...] starts the server built in
# $work/fastsmtp on a free loopback port, its spool and mail under $work, and waits until it
# accepts connections. Sets $port and $server.
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

start_fastsmtp() {
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  dotnet "$work/fastsmtp/FastSmtp.dll" --listen "127.0.0.1:$port" --spool "$work/spool" --mail-dir "$work/mail" "$@" >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $port)).close()" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "FastSmtp did not start: $(tail -3 "$work/server.log")" >&2
  return 1
}
