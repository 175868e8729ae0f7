#!/usr/bin/env bash
# Runs the test suite under ThreadSanitizer or AddressSanitizer and fails on any sanitizer report.
#
# Usage: scripts/sanitize.sh thread|address [--fast] [--skip-build] [--filter REGEX] [--parallel]
#
#   thread    swift test --sanitize=thread  in the scratch path .build-tsan
#   address   swift test --sanitize=address in the scratch path .build-asan
#   (default) the whole suite
#   --fast    only the concurrency suites: transport (sockets, TLS, reactor, aborts), the HTTP
#             client (cancel, disable, pool, loopback sockets, TLS uploads), the mock server
#             over sockets, CancellationSignal, and requests on a dedicated I/O thread
#             (OSSClient.withDedicatedThread: waits blocked in poll(2), aborted from other threads)
#   --filter  your own `swift test --filter` regex instead
#   --skip-build  reuse the last build of that scratch path
#   --parallel    run tests in parallel (Swift Testing's default) instead of one at a time
#
# Tests run one at a time (--no-parallel) unless --parallel: each test still runs its own
# tasks, reactor thread and cancelling threads at once, which is what TSan needs. In parallel,
# the sanitizer-slowed CPU-bound tests hold both threads of the cooperative pool (two on a
# two-core machine) long enough for other tests' hang guards and connect timeouts to fire.
#
# Each sanitizer has its own scratch path, so it never rebuilds the plain .build. Reports of
# every instrumented process (the test runner and the `osswire` binaries the tests start) are
# written to <scratch>/sanitizer-reports/<sanitizer>.<pid>; the script prints them and exits 1
# if there is any, even when every test passed. See docs/SANITIZERS.md.
set -uo pipefail
cd "$(dirname "$0")/.."

usage() {
    echo "usage: scripts/sanitize.sh thread|address [--fast] [--skip-build] [--filter REGEX] [--parallel]" >&2
    exit 2
}

# The suites --fast runs (a `swift test --filter` regex on Module.Type/test names).
FAST_FILTER='OSSTransportTests\.|OSSHTTPTests\.(HTTPClient|SocketClient|Cancellation|FileBodySocket)|OSSMockServerTests\.MockServerSocket|OSSCoreTests\.CancellationSignal|OSSClientTests\.DedicatedThreadTests'

sanitizer="${1:-}"
shift || true
case "$sanitizer" in
    thread) scratch=.build-tsan ;;
    address) scratch=.build-asan ;;
    *) usage ;;
esac

mode=full
filter=""
build=1
parallel=0
while (($#)); do
    case "$1" in
        --fast) mode=fast ;;
        --skip-build) build=0 ;;
        --parallel) parallel=1 ;;
        --filter)
            [ $# -ge 2 ] || usage
            mode=filter
            filter="$2"
            shift
            ;;
        *) usage ;;
    esac
    shift
done

reports="$scratch/sanitizer-reports"
rm -rf "$reports"
mkdir -p "$reports"
reports="$(cd "$reports" && pwd)"

# halt_on_error=0 (TSan): keep running and collect every race, then exit non-zero at the end.
# ASan stops the process at its first error (its default): a memory error makes the rest unsound.
# Leaks are not checked (detect_leaks=0): the test runner and Foundation keep caches alive at exit.
case "$sanitizer" in
    thread)
        export TSAN_OPTIONS="halt_on_error=0 second_deadlock_stack=1 log_path=$reports/tsan${TSAN_OPTIONS:+ $TSAN_OPTIONS}"
        ;;
    address)
        export ASAN_OPTIONS="detect_leaks=0 log_path=$reports/asan${ASAN_OPTIONS:+ $ASAN_OPTIONS}"
        ;;
esac

start=$(date +%s)
if ((build)); then
    echo "sanitize: building with --sanitize=$sanitizer in $scratch"
    swift build --build-tests --sanitize="$sanitizer" --scratch-path "$scratch" || exit 1
fi
built=$(date +%s)

args=(--skip-build --sanitize="$sanitizer" --scratch-path "$scratch")
((parallel)) && args+=(--parallel) || args+=(--no-parallel)
case "$mode" in
    fast) args+=(--filter "$FAST_FILTER") ;;
    filter) args+=(--filter "$filter") ;;
esac
echo "sanitize: swift test ${args[*]}"
swift test "${args[@]}"
status=$?
end=$(date +%s)

found=0
for file in "$reports"/*; do
    [ -s "$file" ] || continue
    found=$((found + 1))
    echo "==== sanitizer report: $file"
    cat "$file"
done

echo "sanitize: $sanitizer: build $((built - start)) s, tests $((end - built)) s, swift test exit $status, $found report file(s)"
if ((found)); then
    echo "sanitize: FAILED: $found process(es) reported (files in $reports)" >&2
    exit 1
fi
if ((status != 0)); then
    echo "sanitize: FAILED: swift test exited $status" >&2
    exit "$status"
fi
echo "sanitize: clean"
