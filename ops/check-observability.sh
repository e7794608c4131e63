#!/usr/bin/env bash
# The observability path, checked against a real Prometheus:
#   1. installs Debian's prometheus package when prometheus or promtool is missing (CI runs as root);
#   2. promtool check config / check rules on ops/prometheus;
#   3. starts `./cutflow up` (any free port, a temp dir) and a Prometheus on the configuration up
#      wrote (scrape interval 2 s), submits photos and two bad images through the HTTP API;
#   4. runs every panel expression of ops/grafana/dashboards/cutflow.json (template variables as
#      `.*`) and every alert rule through Prometheus's HTTP API: each panel query must return data,
#      each alert must evaluate without error.
# Prints `panels with data: N/N` and `alerts evaluated: M/M`; exits non-zero when either falls short.
# Usage: ops/check-observability.sh [--table FILE]   (FILE: the per-query results as a table)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PHOTOS="${CUTFLOW_PHOTOS:-$ROOT/../shared/testdata/photos}"
TABLE=""
if [ "${1:-}" = "--table" ]; then TABLE="$2"; fi
cd "$ROOT"

log() { printf '[check-observability] %s\n' "$*" >&2; }

if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
  log "installing Debian's prometheus package"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo -n"
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends prometheus >/dev/null
  # the package may start its own service; this check runs its own instance
fi
prometheus --version 2>&1 | head -1 >&2

promtool check config ops/prometheus/prometheus.yml >&2
promtool check rules ops/prometheus/alerts.yml >&2

WORK="$(mktemp -d "${TMPDIR:-/tmp}/cutflow-obs-XXXXXX")"
UP_PID=""; PROM_PID=""
cleanup() {
  [ -n "$PROM_PID" ] && kill "$PROM_PID" 2>/dev/null && wait "$PROM_PID" 2>/dev/null || true
  if [ -n "$UP_PID" ] && kill -0 "$UP_PID" 2>/dev/null; then
    kill -TERM "$UP_PID" 2>/dev/null || true   # up's orderly stop: workers, servers, data
    for _ in $(seq 1 90); do kill -0 "$UP_PID" 2>/dev/null || break; sleep 1; done
    kill -KILL "$UP_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

log "starting ./cutflow up (logs: $WORK/up.log)"
./cutflow up --port 0 --data "$WORK/up" --scrape-interval 2 >"$WORK/up.log" 2>&1 &
UP_PID=$!
for _ in $(seq 1 300); do
  grep -q '^cutflow is up' "$WORK/up.log" && break
  kill -0 "$UP_PID" 2>/dev/null || { cat "$WORK/up.log" >&2; log "up exited early"; exit 1; }
  sleep 1
done
grep -q '^cutflow is up' "$WORK/up.log" || { tail -30 "$WORK/up.log" >&2; log "up not ready in 300 s"; exit 1; }
API="$(grep -o 'HTTP API: http://[^ ]*' "$WORK/up.log" | head -1 | sed 's/HTTP API: //')"
CONFIG="$(grep -o 'prometheus --config.file=[^ ]*' "$WORK/up.log" | head -1 | sed 's/.*--config.file=//')"
[ -n "$API" ] && [ -f "$CONFIG" ] || { cat "$WORK/up.log" >&2; log "no API URL or Prometheus config in up's output"; exit 1; }
log "API $API, Prometheus config $CONFIG"
promtool check config "$CONFIG" >&2

PROM_PORT="$(free_port)"
PROM="http://127.0.0.1:$PROM_PORT"
prometheus --config.file="$CONFIG" --storage.tsdb.path="$WORK/prom-data" \
  --web.listen-address="127.0.0.1:$PROM_PORT" >"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!

# a first scrape of every process before any image, so counters are seen from their start
python3 - "$PROM" <<'PY'
import json, sys, time, urllib.request
prom, deadline = sys.argv[1], time.time() + 60
while time.time() < deadline:
    try:
        with urllib.request.urlopen(f"{prom}/api/v1/targets", timeout=5) as r:
            t = json.load(r)["data"]["activeTargets"]
        if len(t) >= 3 and all(x["health"] == "up" for x in t):
            sys.exit(0)
    except Exception:
        pass
    time.sleep(1)
sys.exit("Prometheus did not scrape ingest, supervisor and worker within 60 s")
PY
sleep 3

# photos and two images the worker cannot decode (JPEG headers pass the ingest's sniffing)
mkdir -p "$WORK/in"
n=0
for f in "$PHOTOS"/*.jpg; do
  cp "$f" "$WORK/in/"; n=$((n + 1)); [ "$n" -ge 5 ] && break
done
[ "$n" -ge 1 ] || { log "no photos in $PHOTOS (set CUTFLOW_PHOTOS)"; exit 1; }
first="$(ls "$WORK/in" | head -1)"
head -c 400 "$WORK/in/$first" >"$WORK/bad-1.jpg"
head -c 900 "$WORK/in/$first" >"$WORK/bad-2.jpg"
args=()
for f in "$WORK"/in/*.jpg "$WORK"/bad-*.jpg; do args+=(-F "file=@$f;type=image/jpeg"); done
curl -fsS "${args[@]}" "$API/v1/jobs" >"$WORK/jobs.json"
# one rembg-style request too, so that route has a series
curl -fsS -o /dev/null -F "file=@$WORK/in/$first;type=image/jpeg" "$API/api/remove" || true

python3 - "$API" "$WORK/jobs.json" <<'PY'
import json, sys, time, urllib.request
api, jobs = sys.argv[1], json.load(open(sys.argv[2]))["jobs"]
deadline = time.time() + 240
for j in jobs:
    while True:
        with urllib.request.urlopen(f"{api}/v1/jobs/{j['job_id']}") as r:
            s = json.load(r)["status"]
        if s in ("done", "failed"):
            print(f"[check-observability] {j['file_name']}: {s}", file=sys.stderr)
            break
        if time.time() > deadline:
            sys.exit(f"job {j['job_id']} still {s} after 240 s")
        time.sleep(0.5)
PY
curl -fsS "$API/v1/stats?window=1m" >&2; echo >&2

python3 - "$PROM" ops/grafana/dashboards/cutflow.json "$TABLE" <<'PY'
import json, sys, time, urllib.parse, urllib.request
prom, board, table = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3]

def get(path, **params):
    url = f"{prom}{path}?{urllib.parse.urlencode(params)}"
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.load(r)

def query(expr):
    try:
        return get("/api/v1/query", query=expr)
    except urllib.error.HTTPError as e:
        return json.load(e)

# wait until Prometheus has scraped the results and evaluated the rules a few times
deadline = time.time() + 120
while True:
    try:
        if query("sum(cutflow_worker_results_total)")["data"]["result"] and \
           query("cutflow_ingest_ready")["data"]["result"]:
            break
    except Exception:
        pass
    if time.time() > deadline:
        sys.exit("Prometheus has no Cutflow results after 120 s; targets: "
                 + json.dumps(get("/api/v1/targets")["data"]["activeTargets"])[:2000])
    time.sleep(1)
time.sleep(10)  # a few more scrapes, so every rate() has two samples

targets = get("/api/v1/targets")["data"]["activeTargets"]
print("scrape targets:")
for t in targets:
    print(f"  {t['labels'].get('service','?'):10} {t['scrapeUrl']:40} {t['health']}")

rows, panels_ok, panels = [], 0, 0
for p in board["panels"]:
    panels += 1
    ok = True
    for t in p["targets"]:
        expr = t["expr"].replace("$model", ".*").replace("$worker", ".*")
        r = query(expr)
        res = r.get("data", {}).get("result", []) if r.get("status") == "success" else []
        ok &= bool(res)
        shown = "; ".join(
            (",".join(f"{k}={v}" for k, v in s["metric"].items() if k not in ("instance", "job")) or "{}")
            + " = " + f"{float(s['value'][1]):.4g}" for s in res[:4])
        if len(res) > 4:
            shown += f"; … ({len(res)} series)"
        rows.append((p["title"], t.get("legendFormat", ""), len(res), shown or r.get("error", "no data")))
    panels_ok += ok
    if not ok:
        print(f"NO DATA: {p['title']}")

groups = get("/api/v1/rules")["data"]["groups"]
alerts_ok = alerts = 0
for g in groups:
    for rule in g["rules"]:
        alerts += 1
        r = query(rule["query"])
        good = r.get("status") == "success" and rule.get("health") in ("ok", "unknown")
        alerts_ok += good
        state = rule.get("state", "")
        n = len(r.get("data", {}).get("result", [])) if good else 0
        rows.append((f"alert {rule['name']}", state, n, "ok" if good else r.get("error", rule.get("lastError", "error"))))
        if not good:
            print(f"ALERT ERROR: {rule['name']}: {r.get('error') or rule.get('lastError')}")

lines = ["| panel / alert | series (legend) / state | results | values (or error) |",
         "| --- | --- | --- | --- |"]
lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
print("\n".join(lines))
if table:
    open(table, "w").write("\n".join(lines) + "\n")
print(f"panels with data: {panels_ok}/{panels}")
print(f"alerts evaluated: {alerts_ok}/{alerts}")
sys.exit(0 if panels_ok == panels and alerts_ok == alerts and alerts > 0 else 1)
PY
