# Sourced by the AUTH benchmarks: start_fastsmtp DIR [SERVER OPTIONS...] starts the server built
# in DIR/fastsmtp on a free loopback port, with its spool and mail under DIR, and waits until it
# accepts connections. Sets $port and $server (its pid, for the caller's trap to stop).
start_fastsmtp() {
  local dir=$1; shift
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  dotnet "$dir/fastsmtp/FastSmtp.dll" --listen "127.0.0.1:$port" --spool "$dir/spool" --mail-dir "$dir/mail" "$@" >"$dir/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $port)).close()" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "FastSmtp did not start: $(tail -3 "$dir/server.log")" >&2
  return 1
}
