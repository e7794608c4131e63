package io.cutflow.ingest.stats;

import io.cutflow.common.job.JobResult;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * What one window (or several merged) saw of the results topic: ok and failed counts, failures by
 * code, images by model and by worker, input pixels, and the worker's {@code total} and {@code
 * inference} latency as HdrHistograms (mergeable: windows add up exactly). Mutable, one thread.
 */
public final class Throughput {
  /** Latencies above an hour are recorded as an hour. */
  static final long MAX_MS = 3_600_000L;

  private static final int DIGITS = 2;

  long ok;
  long failed;
  long inputPixels;
  final Map<String, Long> byModel = new TreeMap<>();
  final Map<String, Long> byWorker = new TreeMap<>();
  final Map<String, Long> byFailureCode = new TreeMap<>();
  final Histogram totalMs;
  final Histogram inferenceMs;

  public Throughput() {
    this(new Histogram(MAX_MS, DIGITS), new Histogram(MAX_MS, DIGITS));
  }

  private Throughput(Histogram total, Histogram inference) {
    this.totalMs = total;
    this.inferenceMs = inference;
  }

  /** Counts one result. */
  public Throughput add(JobResult r) {
    if (r.isOk()) {
      ok++;
    } else {
      failed++;
      byFailureCode.merge(r.failure().code().code(), 1L, Long::sum);
    }
    byModel.merge(r.model() == null ? "unknown" : r.model(), 1L, Long::sum);
    byWorker.merge(r.workerId() == null ? "unknown" : r.workerId(), 1L, Long::sum);
    if (r.image() != null) {
      inputPixels += (long) r.image().width() * r.image().height();
    }
    // a failure before the worker timed anything has no latency to count
    if (r.timingsMs().total() > 0) {
      totalMs.recordValue(Math.min(MAX_MS, r.timingsMs().total()));
    }
    if (r.timingsMs().inference() > 0) {
      inferenceMs.recordValue(Math.min(MAX_MS, r.timingsMs().inference()));
    }
    return this;
  }

  /** Adds {@code other} into this one. */
  public Throughput merge(Throughput other) {
    ok += other.ok;
    failed += other.failed;
    inputPixels += other.inputPixels;
    other.byModel.forEach((k, v) -> byModel.merge(k, v, Long::sum));
    other.byWorker.forEach((k, v) -> byWorker.merge(k, v, Long::sum));
    other.byFailureCode.forEach((k, v) -> byFailureCode.merge(k, v, Long::sum));
    totalMs.add(other.totalMs);
    inferenceMs.add(other.inferenceMs);
    return this;
  }

  public long ok() {
    return ok;
  }

  public long failed() {
    return failed;
  }

  public long inputPixels() {
    return inputPixels;
  }

  public Map<String, Long> byModel() {
    return byModel;
  }

  public Map<String, Long> byWorker() {
    return byWorker;
  }

  public Map<String, Long> byFailureCode() {
    return byFailureCode;
  }

  /** The {@code total} latency at {@code percentile} (0..100), ms; 0 when none was recorded. */
  public long totalMs(double percentile) {
    return totalMs.getTotalCount() == 0 ? 0 : totalMs.getValueAtPercentile(percentile);
  }

  /** The {@code inference} latency at {@code percentile} (0..100), ms; 0 when none. */
  public long inferenceMs(double percentile) {
    return inferenceMs.getTotalCount() == 0 ? 0 : inferenceMs.getValueAtPercentile(percentile);
  }

  // the serde's half: histograms in HdrHistogram's compressed encoding

  static byte[] encode(Histogram h) {
    ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
    int n = h.encodeIntoCompressedByteBuffer(buf);
    byte[] out = new byte[n];
    buf.flip();
    buf.get(out);
    return out;
  }

  static Throughput withHistograms(byte[] total, byte[] inference) {
    try {
      return new Throughput(
          Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(total), MAX_MS),
          Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(inference), MAX_MS));
    } catch (java.util.zip.DataFormatException e) {
      throw new IllegalArgumentException("a throughput histogram does not decode: " + e, e);
    }
  }
}
