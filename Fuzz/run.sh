#!/usr/bin/env bash
# Builds the libFuzzer targets of OSSWire and runs each for a fixed number of executions.
#
#   Fuzz/run.sh [-n RUNS] [TARGET...]      default: every target, 1,000,000 executions each
#   Fuzz/run.sh --build-only [TARGET...]
#   Fuzz/run.sh --replay [TARGET...]       run each target once over its saved crash inputs
#
# Targets run one after another (one core each: the machines are shared). Every target starts
# from its committed seeds (Fuzz/corpus/<target>/) plus its working corpus (Fuzz/corpus-work/,
# git-ignored), which keeps growing from run to run. A crashing input is written straight into
# Fuzz/regressions/<target>/, which the test suite replays. Logs go to Fuzz/corpus-work/logs/.
# Exit status: 0 when every target finished its runs without a crash, 1 otherwise.
# See docs/FUZZING.md.
set -euo pipefail
# A crash is reported by libFuzzer and ASan; the Swift runtime's own backtracer would only add noise.
export SWIFT_BACKTRACE=enable=no

fuzz_dir=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$fuzz_dir")
all_targets=(FuzzXMLReader FuzzModels FuzzHTTPResponseParser FuzzHTTPRequestParser FuzzChunkedDecoder)
runs=1000000
mode=run
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        -n) runs=$2; shift 2 ;;
        --build-only) mode=build; shift ;;
        --replay) mode=replay; shift ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) targets+=("$1"); shift ;;
    esac
done
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

# SwiftPM names a path dependency after its folder: a checkout folder called "fuzz" would clash
# with this package's own identity.
if [ "$(basename "$root" | tr '[:upper:]' '[:lower:]')" = fuzz ]; then
    echo "run.sh: the checkout folder is named '$(basename "$root")', which SwiftPM confuses with Fuzz/;" >&2
    echo "        use a checkout (or a bind mount of it) under another name." >&2
    exit 2
fi

# Per-target options: dictionary and largest input.
options() {
    case "$1" in
        FuzzXMLReader|FuzzModels) echo "-dict=$fuzz_dir/dicts/xml.dict -max_len=4096" ;;
        FuzzHTTPResponseParser|FuzzHTTPRequestParser) echo "-dict=$fuzz_dir/dicts/http.dict -max_len=4096" ;;
        FuzzChunkedDecoder) echo "-dict=$fuzz_dir/dicts/http.dict -max_len=8192" ;;
        *) echo "run.sh: unknown target $1" >&2; return 1 ;;
    esac
}

scratch="$fuzz_dir/.build"
bin_dir="$scratch/release"
build() {
    (cd "$fuzz_dir" && swift build -c release --scratch-path "$scratch" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld --product "$1")
}

work="$fuzz_dir/corpus-work"
mkdir -p "$work/logs"
status=0
for t in "${targets[@]}"; do
    opts=$(options "$t")
    build "$t"
    [ "$mode" = build ] && continue
    regressions="$fuzz_dir/regressions/$t"
    mkdir -p "$regressions"
    if [ "$mode" = replay ]; then
        files=("$regressions"/*)
        [ -e "${files[0]}" ] || { echo "$t: no saved inputs"; continue; }
        "$bin_dir/$t" $opts -runs=1 "${files[@]}" >"$work/logs/$t.replay.log" 2>&1 \
            && echo "$t: ${#files[@]} saved inputs replayed cleanly" \
            || { echo "$t: replay FAILED, see $work/logs/$t.replay.log"; status=1; }
        continue
    fi
    mkdir -p "$work/$t"
    log="$work/logs/$t.log"
    echo "== $t: $runs executions ($bin_dir/$t $opts -runs=$runs ...)"
    set +e
    "$bin_dir/$t" $opts -runs="$runs" -print_final_stats=1 -artifact_prefix="$regressions/" \
        "$work/$t" "$fuzz_dir/corpus/$t" >"$log" 2>&1
    rc=$?
    set -e
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
    [ -n "$done_line" ] || done_line=$(grep -E '^#[0-9]+[[:space:]]' "$log" | tail -1 || true)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    per_sec=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    cov=$(echo "$done_line" | grep -oE 'cov: [0-9]+ ft: [0-9]+' || true)
    crash=$(grep -oE "(crash|leak|timeout|oom)-[0-9a-f]+" "$log" | head -1 || true)
    echo "$t: rc=$rc executions=${execs:-?} exec/s=${per_sec:-?} ${cov:-} corpus=$(ls "$work/$t" | wc -l) ${crash:+saved=$regressions/$crash}"
    if [ $rc -ne 0 ]; then
        status=1
        grep -E 'ERROR|Fatal error|SUMMARY|Test unit written' "$log" | head -5 || true
    fi
done
exit $status
