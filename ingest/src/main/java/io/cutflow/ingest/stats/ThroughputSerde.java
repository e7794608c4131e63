package io.cutflow.ingest.stats;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * {@link Throughput} in the window stores and their changelogs: a version byte, the counts, the
 * three maps and the two compressed histograms.
 */
public final class ThroughputSerde implements Serde<Throughput> {
  private static final byte VERSION = 1;

  @Override
  public Serializer<Throughput> serializer() {
    return (topic, t) -> t == null ? null : write(t);
  }

  @Override
  public Deserializer<Throughput> deserializer() {
    return (topic, bytes) -> bytes == null ? null : read(bytes);
  }

  static byte[] write(Throughput t) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      out.writeLong(t.ok);
      out.writeLong(t.failed);
      out.writeLong(t.inputPixels);
      writeMap(out, t.byModel);
      writeMap(out, t.byWorker);
      writeMap(out, t.byFailureCode);
      writeBytes(out, Throughput.encode(t.totalMs));
      writeBytes(out, Throughput.encode(t.inferenceMs));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static Throughput read(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      byte version = in.readByte();
      if (version != VERSION) {
        throw new IllegalArgumentException(
            "throughput record of version " + version + "; this build reads " + VERSION);
      }
      long ok = in.readLong();
      long failed = in.readLong();
      long pixels = in.readLong();
      Map<String, Long> byModel = readMap(in);
      Map<String, Long> byWorker = readMap(in);
      Map<String, Long> byCode = readMap(in);
      Throughput t = Throughput.withHistograms(readBytes(in), readBytes(in));
      t.ok = ok;
      t.failed = failed;
      t.inputPixels = pixels;
      t.byModel.putAll(byModel);
      t.byWorker.putAll(byWorker);
      t.byFailureCode.putAll(byCode);
      return t;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeMap(DataOutputStream out, Map<String, Long> map) throws IOException {
    out.writeInt(map.size());
    for (Map.Entry<String, Long> e : map.entrySet()) {
      out.writeUTF(e.getKey());
      out.writeLong(e.getValue());
    }
  }

  private static Map<String, Long> readMap(DataInputStream in) throws IOException {
    int n = in.readInt();
    Map<String, Long> map = new java.util.TreeMap<>();
    for (int i = 0; i < n; i++) {
      map.put(in.readUTF(), in.readLong());
    }
    return map;
  }

  private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
    out.writeInt(b.length);
    out.write(b);
  }

  private static byte[] readBytes(DataInputStream in) throws IOException {
    byte[] b = new byte[in.readInt()];
    in.readFully(b);
    return b;
  }
}
