package io.cutflow.standalone;

import io.cutflow.ingest.BulkIngest;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What {@code cutflow run} has finished so far, as results arrive: what it reports when it is
 * interrupted before the end.
 */
final class RunTally implements BulkIngest.Progress {
  private final int total;
  private final AtomicInteger done = new AtomicInteger();
  private final List<BulkIngest.Outcome> failed = new CopyOnWriteArrayList<>();
  private final AtomicBoolean reported = new AtomicBoolean();
  private volatile long lastNanos = System.nanoTime();

  RunTally(int total) {
    this.total = total;
  }

  @Override
  public void finished(BulkIngest.Outcome outcome) {
    lastNanos = System.nanoTime();
    if (outcome.ok()) {
      done.incrementAndGet();
    } else {
      failed.add(outcome);
    }
  }

  /**
   * Waits until no result has come in for {@code quiet} (at most {@code max}): once the workers are
   * gone, the results they published last are taken in (and their cutouts downloaded) before the
   * wait for results is interrupted.
   */
  void awaitQuiet(Duration quiet, Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    while (System.nanoTime() - lastNanos < quiet.toNanos() && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
  }

  int done() {
    return done.get();
  }

  int failed() {
    return failed.size();
  }

  int notDone() {
    return Math.max(0, total - done() - failed());
  }

  /**
   * Claims the report: true for the first caller only (the full summary or the interrupted one).
   */
  boolean claimReport() {
    return reported.compareAndSet(false, true);
  }

  /**
   * {@code interrupted: D of N images done, F failed, R not done; cutouts in OUT} on {@code out},
   * each failure on {@code err}.
   */
  void printInterrupted(PrintStream out, PrintStream err, Path outDir) {
    for (BulkIngest.Outcome o : failed) {
      err.println("failed: " + o.file() + ": " + o.error());
    }
    out.printf(
        "interrupted: %d of %d images done, %d failed, %d not done; cutouts in %s%n",
        done(), total, failed(), notDone(), outDir.toAbsolutePath());
    out.flush();
    err.flush();
  }
}
