#!/usr/bin/env bash
# Run one fuzz target for a bounded time, one job, one worker.
#   fuzz/run.sh TARGET [SECONDS]        (default 300)
# The working corpus (fuzz/corpus/TARGET, not committed) is seeded from the
# tiny committed seeds in fuzz/seeds/TARGET plus, when present, the shared
# real-world captures and logs (../shared/realworld beside the repository,
# small files only) and samples/. Needs a nightly toolchain for libFuzzer;
# on stable set RUSTC_BOOTSTRAP=1 and keep `--sanitizer none`.
set -euo pipefail
target=${1:?target}
secs=${2:-300}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
shared=${AUTHLENS_REALWORLD:-$repo/../shared/realworld}
[ -d "$shared" ] || shared=/work/shared/realworld
corpus=$here/corpus/$target
mkdir -p "$corpus"
cp -n "$here"/seeds/"$target"/* "$corpus"/ 2>/dev/null || true
small() { find "$@" -type f -size -64k 2>/dev/null | grep -v '\.gz$' || true; }
case $target in
  har_reader) for f in $(small "$shared/har" "$shared/captures"); do cp -n "$f" "$corpus/rw-$(basename "$f")"; done ;;
  log_reader|log_stream) for f in $(small "$shared/logs" "$repo/samples/logs" "$repo/samples/logs-only"); do head -c 16384 "$f" > "$corpus/rw-$(basename "$f")"; done ;;
  sniff) for f in $(small "$shared/har" "$shared/logs"); do head -c 4096 "$f" > "$corpus/rw-$(basename "$f")"; done ;;
esac
max_len=4096
case $target in har_reader|log_reader|log_stream) max_len=65536 ;; esac
cd "$here"
cargo +nightly fuzz run --sanitizer none -a "$target" "$corpus" -- \
  -jobs=1 -workers=1 -max_total_time="$secs" -max_len="$max_len" \
  -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
