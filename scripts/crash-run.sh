#!/usr/bin/env bash
# The long crash run: 1000 SIGKILLs at random moments during imports and
# single appends (tests/crash.rs), in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."
SAKIP_CRASH_KILLS="${1:-1000}" cargo test --release --locked --test crash -- --nocapture
