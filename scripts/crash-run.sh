#!/usr/bin/env bash
# The long crash run: SIGKILLs at random moments during imports and single
# appends (tests/crash.rs), in release mode. Usage: scripts/crash-run.sh [KILLS] [ROWS PER IMPORT]
set -euo pipefail
cd "$(dirname "$0")/.."
SAKIP_CRASH_KILLS="${1:-1000}" SAKIP_CRASH_BATCH="${2:-60}" cargo test --release --locked --test crash -- --nocapture
