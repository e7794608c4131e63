package io.cutflow.ingest.stats;

import io.cutflow.common.job.JobResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * What the throughput windows need of one result: a few fields instead of the whole {@link
 * JobResult}, so the repartition topic carries small binary records and nothing is parsed twice.
 *
 * @param failureCode null when ok
 */
record ResultSample(
    boolean ok,
    String failureCode,
    String model,
    String worker,
    long inputPixels,
    long totalMs,
    long inferenceMs) {

  static ResultSample of(JobResult r) {
    return new ResultSample(
        r.isOk(),
        r.isOk() ? null : r.failure().code().code(),
        r.model() == null ? "unknown" : r.model(),
        r.workerId() == null ? "unknown" : r.workerId(),
        r.image() == null ? 0 : (long) r.image().width() * r.image().height(),
        r.timingsMs().total(),
        r.timingsMs().inference());
  }

  static Serde<ResultSample> serde() {
    return Serdes.serdeFrom(
        (topic, s) -> s == null ? null : write(s), (topic, b) -> b == null ? null : read(b));
  }

  private static byte[] write(ResultSample s) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeBoolean(s.ok);
      out.writeUTF(s.failureCode == null ? "" : s.failureCode);
      out.writeUTF(s.model);
      out.writeUTF(s.worker);
      out.writeLong(s.inputPixels);
      out.writeLong(s.totalMs);
      out.writeLong(s.inferenceMs);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static ResultSample read(byte[] b) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
      boolean ok = in.readBoolean();
      String code = in.readUTF();
      return new ResultSample(
          ok,
          code.isEmpty() ? null : code,
          in.readUTF(),
          in.readUTF(),
          in.readLong(),
          in.readLong(),
          in.readLong());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
