#!/usr/bin/env bash
# Benchmark authlens against `cat` and the usual ad-hoc peers (jq, python3,
# mawk, zcat, zstdcat) on generated inputs, check that everyone counts the same
# 401s, and write BENCHMARKS.md at the repo root.
#
#   benches/compare.sh                 # 1G inputs
#   SIZE=200M benches/compare.sh       # quicker run
#
# Environment:
#   SIZE        input size per kind (default 1G; e.g. 200M, 4G)
#   LARGE_HAR   also time authlens (and cat) on a HAR of this size, e.g. 4G,
#               to show peak RSS as the file grows; off by default
#   BENCH_DIR   where inputs live (default target/bench-data); inputs that
#               already exist there are reused, not regenerated
#   SEED        generator seed (default 1)
#   MIXED_SMALL size of the small JSON log read beside the nginx log in the
#               many-files case (default 50M)
#   PROFILE     cargo profile to build (default release; `dev` only to
#               test this script, its numbers mean nothing)
#   AUTHLENS    authlens binary to time (default: the one just built)
#   REPS        runs per tool (default 3): the table shows the median wall
#               time and the largest peak RSS; these machines are noisy
#   PEER_MEM_KB virtual-memory cap for peers that load a whole document
#               (jq, python3 on the HAR); default half of MemAvailable, so
#               they fail cleanly instead of waking the OOM killer
#
# Works offline; peers that are not installed are skipped with a note.
# Exits 1 if any tool disagrees on the 401 count or authlens fails.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
SIZE=${SIZE:-1G}
SEED=${SEED:-1}
REPS=${REPS:-3}
PROFILE=${PROFILE:-release}
BENCH_DIR=${BENCH_DIR:-target/bench-data}
DATA="$BENCH_DIR/$SIZE-seed$SEED"
TARGET_DIR=${CARGO_TARGET_DIR:-target}
case "$PROFILE" in
dev) BIN_DIR="$TARGET_DIR/debug" ;;
*) BIN_DIR="$TARGET_DIR/$PROFILE" ;;
esac
AUTHLENS=${AUTHLENS:-"$ROOT/$BIN_DIR/authlens"}
GEN="$ROOT/$BIN_DIR/examples/gen-bench-input"
TIME=/usr/bin/time
WORK=$(mktemp -d "${TMPDIR:-/tmp}/authlens-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

note() { printf '== %s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }

if [[ ! -x $TIME ]] || ! $TIME -v true >/dev/null 2>&1; then
	echo "error: GNU time is required at $TIME (Debian/Ubuntu: apt-get install time)" >&2
	exit 1
fi

if [[ -z ${PEER_MEM_KB:-} ]]; then
	avail=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo 2>/dev/null || echo 0)
	PEER_MEM_KB=$((avail > 0 ? avail / 2 : 8388608))
fi

# (a) build ------------------------------------------------------------------
note "building authlens and gen-bench-input ($PROFILE)"
cargo build --quiet --profile "$PROFILE" --bin authlens --example gen-bench-input

# (b) inputs -----------------------------------------------------------------
mkdir -p "$DATA"
HAR="$DATA/bench.har"
COMBINED="$DATA/access.log"
COMBINED_GZ="$DATA/access.log.gz"
JSONL="$DATA/app.jsonl"

gen() { # kind out [--gzip]
	local kind=$1 out=$2
	shift 2
	if [[ -s $out && -s $out.counts.json ]]; then
		note "reusing $out"
		return
	fi
	note "generating $out ($kind, $SIZE, seed $SEED)"
	"$GEN" --kind "$kind" --size "$SIZE" --seed "$SEED" --out "$out.tmp" "$@"
	mv "$out.tmp.counts.json" "$out.counts.json"
	mv "$out.tmp" "$out"
}
gen har "$HAR"
gen combined "$COMBINED"
gen combined "$COMBINED_GZ" --gzip
gen jsonl "$JSONL"
# zstd: the plain combined log compressed by the zstd CLI (the generator
# writes gzip only); same records, so the same counts.
COMBINED_ZST="$DATA/access.log.zst"
if have zstd && [[ ! -s $COMBINED_ZST ]]; then
	note "compressing $COMBINED_ZST (zstd -3)"
	zstd -q -3 -f "$COMBINED" -o "$COMBINED_ZST.tmp" && mv "$COMBINED_ZST.tmp" "$COMBINED_ZST"
fi
[[ -s $COMBINED_ZST ]] && cp "$COMBINED.counts.json" "$COMBINED_ZST.counts.json"
# Many files: a directory holding the nginx log and a small JSON log, as a
# night's logs often are (one big gateway log, a few small app logs). The
# small log comes from another seed, so its request ids are its own.
MIXED="$DATA/mixed"
MIXED_SMALL=${MIXED_SMALL:-50M}
SMALL_JSONL="$DATA/app-$MIXED_SMALL-seed$((SEED + 1)).jsonl"
mkdir -p "$MIXED"
SIZE=$MIXED_SMALL SEED=$((SEED + 1)) gen jsonl "$SMALL_JSONL"
ln -sf "../access.log" "$MIXED/access.log"
ln -sf "../$(basename "$SMALL_JSONL")" "$MIXED/app.jsonl"

# Read one integer field from a small JSON file without needing jq.
json_int() { # file key(dotted)
	python3 - "$1" "$2" 2>/dev/null <<'PY' || sed -n "s/.*\"${2##*.}\": *\([0-9]*\).*/\1/p" "$1" 2>/dev/null | head -n1
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[k]
print(int(v))
PY
}

# (c)-(e) timing -------------------------------------------------------------
MISMATCH=0
FAILED=0
TABLES=""

# Current table state
T_ROWS=""
T_CAT=""
T_AUTHLENS=""
T_BYTES=0
T_RECORDS=0
T_EXPECT=0

begin_table() { # title input uncompressed_input
	local title=$1 input=$2 plain=$3
	T_ROWS=""
	T_CAT=""
	T_AUTHLENS=""
	T_TITLE=$title
	T_INPUT=$input
	T_NOTES=""
	if [[ -d $input ]]; then
		# A directory: the sums over its files (symlinks followed).
		local f
		T_BYTES=0 T_RECORDS=0 T_EXPECT=0
		for f in "$input"/*; do
			T_BYTES=$((T_BYTES + $(stat -L -c %s "$f")))
			T_RECORDS=$((T_RECORDS + $(json_int "$(readlink -f "$f").counts.json" records)))
			T_EXPECT=$((T_EXPECT + $(json_int "$(readlink -f "$f").counts.json" status_401)))
			cat "$f" >/dev/null
		done
	else
		T_BYTES=$(stat -c %s "$plain")
		T_RECORDS=$(json_int "$input.counts.json" records)
		T_EXPECT=$(json_int "$input.counts.json" status_401)
		cat "$input" >/dev/null # warm the page cache
	fi
	note "$title: $(basename "$input") records=$T_RECORDS status_401=$T_EXPECT"
}

# run_case LABEL KIND CMD
#   KIND: cat (baseline), authlens (count from OUTDIR/summary.json, OUTDIR is
#   $OUT), peer (count is the command's stdout), peer-capped (peer under
#   the PEER_MEM_KB cap).
run_case() {
	local label=$1 kind=$2 cmd=$3
	local out="$WORK/out" tf="$WORK/time" err="$WORK/err"
	rm -rf "$out" "$out.dir"
	if [[ $kind == peer-capped ]]; then
		cmd="ulimit -v $PEER_MEM_KB; $cmd"
	fi
	note "  $label"
	local t0 t1 rc=0 rep walls="" rss_kb=0 rss
	for ((rep = 1; rep <= REPS; rep++)); do
		rm -rf "$out" "$out.dir"
		t0=$(date +%s%N)
		OUT="$out.dir" $TIME -v -o "$tf" bash -c "$cmd" >"$out" 2>"$err" || rc=$?
		t1=$(date +%s%N)
		walls+="$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}')"$'\n'
		rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tf")
		((${rss:-0} > rss_kb)) && rss_kb=$rss
		# A failed run is reported as it is, not run again.
		((rc == 0)) || break
	done
	local wall
	wall=$(printf '%s' "$walls" | sort -n | awk '{w[NR] = $1} END {print w[int((NR + 1) / 2)]}')
	note "    $(printf '%s' "$walls" | tr '\n' ' ')s"
	local count="" status="ok"
	if ((rc != 0)); then
		status="FAILED (exit $rc)"
		sed 's/^/      /' "$err" | tail -n 5 >&2
		if [[ $kind == authlens ]]; then FAILED=1; fi
	elif [[ $kind == authlens && -d $T_INPUT ]]; then
		# Several files: 401s joined across them (by time and path) are
		# one finding, so the check is each file's own count, summed.
		count=$(python3 - "$out.dir/summary.json" 2>/dev/null <<'PY' || true
import json, sys
print(sum(int(i["status_401"]) for i in json.load(open(sys.argv[1]))["inputs"]))
PY
)
		if [[ -z $count ]]; then
			status="FAILED (no inputs[].status_401 in summary.json)"
			FAILED=1
		fi
	elif [[ $kind == authlens ]]; then
		count=$(json_int "$out.dir/summary.json" totals.status_401 || true)
		if [[ -z $count ]]; then
			status="FAILED (no totals.status_401 in summary.json)"
			FAILED=1
		fi
	elif [[ $kind == peer || $kind == peer-capped ]]; then
		count=$(tr -d ' \n' <"$out")
		[[ -n $count ]] || count=0 # awk prints nothing when no line matched
	fi
	if [[ -n $count && $count != "$T_EXPECT" ]]; then
		status="**MISMATCH: $count != $T_EXPECT**"
		MISMATCH=1
		printf '\n!!!!!!!! MISMATCH: %s on %s counted %s 401s, generator wrote %s !!!!!!!!\n\n' \
			"$label" "$T_INPUT" "$count" "$T_EXPECT" >&2
	fi
	if [[ $kind == cat ]]; then T_CAT=$wall; fi
	if [[ $label == "authlens --threads 1" && $rc == 0 && -n $count ]]; then T_AUTHLENS=$wall; fi
	T_ROWS+="$label"$'\t'"$wall"$'\t'"${rss_kb:-0}"$'\t'"${count:--}"$'\t'"$status"$'\n'
}

skip() { # label why
	T_NOTES+="- skipped \`$1\`: $2"$'\n'
	note "  skip $1: $2"
}

end_table() {
	local rows
	rows=$(printf '%s' "$T_ROWS" | awk -F'\t' -v bytes="$T_BYTES" -v recs="$T_RECORDS" \
		-v cat="$T_CAT" -v al="$T_AUTHLENS" '
		function ratio(x, base) { return (base > 0 && x > 0) ? sprintf("%.2f×", x / base) : "–" }
		NF >= 5 {
			w = $2 + 0
			label = $1
			gsub(/\|/, "\\|", label)
			mbs = w > 0 ? sprintf("%.0f", bytes / 1e6 / w) : "–"
			rps = w > 0 ? sprintf("%.0f", recs / w) : "–"
			printf "| `%s` | %.3f | %s | %s | %.0f | %s | %s | %s | %s |\n", label, w, mbs, rps, $3 / 1024, ratio(w, cat + 0), ratio(w, al + 0), $4, $5
		}')
	TABLES+="
## $T_TITLE

Input: \`$(basename "$T_INPUT")\`, $(awk -v b="$T_BYTES" 'BEGIN {printf "%.0f", b / 1e6}') MB uncompressed, $T_RECORDS records, $T_EXPECT × 401 (generator count).

| tool | wall s | MB/s | records/s | peak RSS MB | vs cat | vs authlens | 401s | check |
|---|---:|---:|---:|---:|---:|---:|---:|---|
$rows
$T_NOTES"
}

q() { printf '%q' "$1"; }

authlens_cases() { # input
	local f
	f=$(q "$1")
	run_case "authlens --threads 1" authlens "$(q "$AUTHLENS") analyze $f -o \"\$OUT\" --threads 1"
	run_case "authlens --threads 2" authlens "$(q "$AUTHLENS") analyze $f -o \"\$OUT\" --threads 2"
}

# HAR
begin_table "HAR (DevTools-style, pretty-printed)" "$HAR" "$HAR"
run_case "cat" cat "cat $(q "$HAR") > /dev/null"
authlens_cases "$HAR"
if have jq; then
	run_case "jq (whole document)" peer-capped \
		"jq '[.log.entries[] | select(.response.status == 401)] | length' $(q "$HAR")"
else skip jq "not installed"; fi
if have python3; then
	run_case "python3 json.load" peer-capped \
		"python3 -c 'import json,sys; d=json.load(open(sys.argv[1], \"rb\")); print(sum(1 for e in d[\"log\"][\"entries\"] if e[\"response\"][\"status\"] == 401))' $(q "$HAR")"
else skip python3 "not installed"; fi
T_NOTES+="- jq and python3 load the whole document; they run under \`ulimit -v $PEER_MEM_KB\` (KiB) and show as FAILED if that is not enough."$'\n'
end_table

# HAR at a larger size (LARGE_HAR=4G): peak RSS must not grow with the file.
if [[ -n ${LARGE_HAR:-} ]]; then
	LARGE="$BENCH_DIR/$LARGE_HAR-seed$SEED/bench.har"
	mkdir -p "$(dirname "$LARGE")"
	SIZE=$LARGE_HAR gen har "$LARGE"
	begin_table "HAR at $LARGE_HAR (memory as the file grows)" "$LARGE" "$LARGE"
	run_case "cat" cat "cat $(q "$LARGE") > /dev/null"
	authlens_cases "$LARGE"
	T_NOTES+="- Peers are not run at this size; compare peak RSS with the 1 GB table above."$'\n'
	end_table
fi

# combined
begin_table "nginx combined access log" "$COMBINED" "$COMBINED"
run_case "cat" cat "cat $(q "$COMBINED") > /dev/null"
authlens_cases "$COMBINED"
if have mawk; then
	run_case "mawk \$9 == 401" peer "mawk '\$9 == 401 {n++} END {print n+0}' $(q "$COMBINED")"
else skip mawk "not installed"; fi
end_table

# combined, gzip
begin_table "nginx combined access log, gzip" "$COMBINED_GZ" "$COMBINED"
if have zcat; then
	run_case "zcat" cat "zcat $(q "$COMBINED_GZ") > /dev/null"
else skip zcat "not installed (vs cat is then unavailable)"; fi
authlens_cases "$COMBINED_GZ"
if have zcat && have mawk; then
	run_case "zcat | mawk \$9 == 401" peer \
		"zcat $(q "$COMBINED_GZ") | mawk '\$9 == 401 {n++} END {print n+0}'"
else skip "zcat | mawk" "zcat or mawk not installed"; fi
T_NOTES+="- MB/s counts uncompressed bytes; \"vs cat\" is relative to \`zcat\`."$'\n'
end_table

# combined, zstd
if [[ -s $COMBINED_ZST ]]; then
	begin_table "nginx combined access log, zstd" "$COMBINED_ZST" "$COMBINED"
	run_case "zstdcat" cat "zstdcat $(q "$COMBINED_ZST") > /dev/null"
	authlens_cases "$COMBINED_ZST"
	if have mawk; then
		run_case "zstdcat | mawk \$9 == 401" peer \
			"zstdcat $(q "$COMBINED_ZST") | mawk '\$9 == 401 {n++} END {print n+0}'"
	else skip "zstdcat | mawk" "mawk not installed"; fi
	T_NOTES+="- MB/s counts uncompressed bytes; \"vs cat\" is relative to \`zstdcat\`."$'\n'
	end_table
fi

# jsonl
begin_table "JSON-lines app log (pino + zap/logrus)" "$JSONL" "$JSONL"
run_case "cat" cat "cat $(q "$JSONL") > /dev/null"
authlens_cases "$JSONL"
if have jq; then
	run_case "jq -c select | wc -l" peer \
		"jq -c 'select((.res.statusCode // .status) == 401)' $(q "$JSONL") | wc -l"
else skip jq "not installed"; fi
T_NOTES+="- The jq filter is \`(.res.statusCode // .status) == 401\`: pino lines carry \`res.statusCode\`, the zap/logrus lines a top-level \`status\`."$'\n'
end_table

# many files
begin_table "Many files: the nginx log and a $MIXED_SMALL JSON-lines log in one directory" "$MIXED" "$MIXED"
run_case "cat" cat "cat $(q "$MIXED")/* > /dev/null"
authlens_cases "$MIXED"
T_NOTES+="- The files are read side by side, and a file big enough to be read in parts (64 MB) gets every thread. The 401 check sums each file's own count: a 401 both logs saw (joined by time and path) is one finding in failures.csv."$'\n'
end_table

# (f) report -----------------------------------------------------------------
CPU=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
RAM=$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null || true)
REV=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
# (BENCHMARKS.md itself, about to be rewritten, does not count.)
git diff --quiet HEAD -- . ':(exclude)BENCHMARKS.md' 2>/dev/null || REV="$REV-dirty"
{
	echo "# Benchmarks"
	echo
	echo "Generated by \`benches/compare.sh\` (SIZE=$SIZE, SEED=$SEED, PROFILE=$PROFILE)."
	echo
	echo "Machine: $(nproc) cores, ${CPU:-unknown CPU}, ${RAM:-unknown RAM}, $(date -u '+%Y-%m-%d %H:%M UTC'), authlens $REV"
	echo
	echo "Page cache warmed before each input. Wall time from \`date +%s%N\` around \`/usr/bin/time -v\`, which gives peak RSS: each tool runs $REPS time(s) in a row, the table shows the median wall time and the largest peak RSS."
	echo "\"vs cat\" = wall / wall of cat (reading the bytes); \"vs authlens\" = wall / wall of \`authlens --threads 1\`."
	echo "\"check\" compares each tool's 401 count with the generator's \`FILE.counts.json\`."
	printf '%s' "$TABLES"
} >"$ROOT/BENCHMARKS.md"
note "wrote $ROOT/BENCHMARKS.md"

if ((MISMATCH)); then
	echo "MISMATCH: at least one tool disagrees on the 401 count (see BENCHMARKS.md)" >&2
fi
if ((FAILED)); then
	echo "authlens failed on at least one input (see BENCHMARKS.md)" >&2
fi
if ((MISMATCH || FAILED)); then exit 1; fi
