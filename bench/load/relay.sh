#!/usr/bin/env bash
# The durable-relay half of run.sh: FastSmtp (e) against Postfix (d), a connection per message.
# Usage: bench/load/relay.sh [MESSAGES] [SESSIONS...]     (defaults: 20000; 1 10 50)
set -euo pipefail
messages=${1:-20000}
shift || true
sessions="${*:-1 10 50}"
exec "$(dirname "$0")/run.sh" --messages "$messages" --sessions "$sessions" --systems ed --reuse no --idle 0
