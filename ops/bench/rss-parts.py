#!/usr/bin/env python3
"""Splits the resident memory of a launcher's worker JVMs into parts, every 0.5 s, until it exits.

    ops/bench/rss-parts.py LAUNCHER_PID OUT_FILE

One line per worker and sample: seconds, pid, heap= (the Java heap: with a heap of up to 1 GiB and
compressed oops the JVM reserves it just below 4 GiB), file= (file-backed: the model's mapped
weights, libraries, the class archive), anon= (the rest: ONNX Runtime's activations, the JVM's own
memory), total=; MB. Not part of CI. Used for README, Benchmarks, "A worker on a stream of 24 MP
images", beside ./cutflow run DIR --workers 1.
"""
import os
import re
import subprocess
import sys
import time

HEAP_FROM, HEAP_TO = 0xC0000000, 0x100000000


def workers(launcher):
    kids = subprocess.run(["pgrep", "-P", str(launcher)], capture_output=True, text=True).stdout
    found = []
    for k in kids.split():
        try:
            with open(f"/proc/{k}/cmdline", "rb") as f:
                if b"control-stdin" in f.read():
                    found.append(int(k))
        except OSError:
            pass
    return found


def parts(pid):
    heap = file_backed = anon = 0
    in_heap = named = False
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                fields = line.split()
                start = int(fields[0].split("-")[0], 16)
                named = len(fields) > 5 and fields[5].startswith("/")
                in_heap = HEAP_FROM <= start < HEAP_TO and len(fields) <= 5
            elif line.startswith("Rss:"):
                kb = int(line.split()[1])
                if in_heap:
                    heap += kb
                elif named:
                    file_backed += kb
                else:
                    anon += kb
    return heap // 1024, file_backed // 1024, anon // 1024


def main():
    launcher, out = int(sys.argv[1]), sys.argv[2]
    t0 = time.time()
    with open(out, "w") as f:
        while os.path.exists(f"/proc/{launcher}"):
            for pid in workers(launcher):
                try:
                    h, fb, a = parts(pid)
                except OSError:
                    continue
                f.write(f"{time.time() - t0:.1f} {pid} heap={h} file={fb} anon={a} total={h + fb + a}\n")
                f.flush()
            time.sleep(0.5)


if __name__ == "__main__":
    main()
