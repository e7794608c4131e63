#!/usr/bin/env bash
# Resident memory over many large images: COUNT links to one image (default the shared 24 MP PNG)
# through `cutflow remove` (one JVM, images one after another) or `cutflow run` (embedded Kafka + S3
# and supervised worker processes, the largest of whose RSS is sampled). Not part of CI.
#
#   ops/bench/memory-24mp.sh [remove|run] [COUNT=200] [IMAGE=../shared/testdata/photos-extra/food-1.png]
#
# Prints an RSS sample (MB) every INTERVAL seconds (default 2) as it goes, then the peak (sampled,
# and the kernel's VmHWM), and the peak in each fifth of the run: flat means the fifths' peaks stay
# within a few MB of each other. run mode starts WORKERS worker processes (default 1).
# Extra JVM options for remove: CUTFLOW_JAVA_OPTS (e.g. -Xlog:gc), its flags: REMOVE_ARGS (e.g.
# --no-arena); for run: cutflow.* settings as CUTFLOW_* variables.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MODE="${1:-remove}"
COUNT="${2:-200}"
IMAGE="$(readlink -f "${3:-$HERE/../shared/testdata/photos-extra/food-1.png}" || true)"
INTERVAL="${INTERVAL:-2}"
WORKERS="${WORKERS:-1}"
case "$MODE" in remove|run) ;; *) sed -n '2,12p' "$0" >&2; exit 2 ;; esac
[ -f "$IMAGE" ] || { echo "memory-24mp: no image at $IMAGE; give its path as the third argument" >&2; exit 2; }
WORK="$(mktemp -d -t cutflow-mem24.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/in" "$WORK/out"
ext="${IMAGE##*.}"
for i in $(seq -w 1 "$COUNT"); do ln -s "$IMAGE" "$WORK/in/img-$i.$ext"; done

if [ "$MODE" = remove ]; then
  # shellcheck disable=SC2086 # REMOVE_ARGS is a list of flags, e.g. --no-arena
  "$HERE/cutflow" remove ${REMOVE_ARGS:-} "$WORK/in" -o "$WORK/out" >"$WORK/log" 2>&1 &
else
  "$HERE/cutflow" run "$WORK/in" -o "$WORK/out" --workers "$WORKERS" >"$WORK/log" 2>&1 &
fi
LAUNCHER=$!

# the processes to sample: the launcher itself for remove, its worker children (not the broker nor
# S3) for run, of which the largest counts
targets() {
  if [ "$MODE" = remove ]; then echo "$LAUNCHER"; return; fi
  for c in $(pgrep -P "$LAUNCHER" || true); do
    if tr '\0' ' ' < "/proc/$c/cmdline" 2>/dev/null | grep -q 'control-stdin'; then echo "$c"; fi
  done
}

echo "memory-24mp: $MODE over $COUNT × $(basename "$IMAGE"), RSS (MB) every ${INTERVAL}s:"
samples=()
hwm=0
while kill -0 "$LAUNCHER" 2>/dev/null; do
  rss=""
  for pid in $(targets); do
    r=$(awk '/^VmRSS/{print int($2/1024)}' "/proc/$pid/status" 2>/dev/null || true)
    if [ -n "$r" ] && { [ -z "$rss" ] || [ "$r" -gt "$rss" ]; }; then rss=$r; fi
    # the kernel's own high-water mark catches peaks between samples
    h=$(awk '/^VmHWM/{print int($2/1024)}' "/proc/$pid/status" 2>/dev/null || true)
    if [ -n "$h" ] && [ "$h" -gt "$hwm" ]; then hwm=$h; fi
  done
  if [ -n "$rss" ]; then samples+=("$rss"); printf '%s ' "$rss"; fi
  sleep "$INTERVAL"
done
echo
wait "$LAUNCHER" || { echo "memory-24mp: cutflow $MODE failed:" >&2; tail -20 "$WORK/log" >&2; exit 1; }
done_count=$(find "$WORK/out" -name '*.png' | wc -l)
n=${#samples[@]}
[ "$n" -gt 0 ] || { echo "memory-24mp: no samples"; exit 1; }
peak=0; for s in "${samples[@]}"; do [ "$s" -gt "$peak" ] && peak=$s; done
fifths=""
for f in 0 1 2 3 4; do
  from=$((n * f / 5)); to=$((n * (f + 1) / 5)); p=0
  for ((k = from; k < to; k++)); do [ "${samples[$k]}" -gt "$p" ] && p=${samples[$k]}; done
  fifths="$fifths $p"
done
echo "memory-24mp: $done_count of $COUNT cutouts written; peak RSS $peak MB (sampled), $hwm MB (VmHWM); peak per fifth of the run:$fifths MB"
