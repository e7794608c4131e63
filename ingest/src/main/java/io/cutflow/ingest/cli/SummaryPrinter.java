package io.cutflow.ingest.cli;

import io.cutflow.common.image.CutoutNames;
import io.cutflow.ingest.BulkIngest;
import java.io.PrintStream;

/**
 * The end-of-run report of bulk ingest and `cutflow run`: counts, failures by file, throughput,
 * latency.
 */
public final class SummaryPrinter {
  private SummaryPrinter() {}

  public static void print(BulkIngest.Summary s, boolean waited, PrintStream out, PrintStream err) {
    for (BulkIngest.Outcome o : s.outcomes()) {
      String note = o.output() == null ? null : CutoutNames.noteIfNamedApart(o.file(), o.output());
      if (note != null) {
        err.println("note: " + note);
      }
    }
    for (BulkIngest.Outcome o : s.failures()) {
      err.println("failed: " + o.file() + ": " + o.error());
    }
    if (!waited) {
      out.printf(
          "submitted %d of %d images in %.1f s%n",
          s.okCount(), s.outcomes().size(), s.elapsedMs() / 1000.0);
      return;
    }
    out.printf(
        "images: %d  ok: %d  failed: %d  elapsed: %.1f s  throughput: %.2f images/s  latency p50: %d ms  p95: %d ms%n",
        s.outcomes().size(),
        s.okCount(),
        s.failures().size(),
        s.elapsedMs() / 1000.0,
        s.imagesPerSecond(),
        s.latencyPercentile(50),
        s.latencyPercentile(95));
  }
}
