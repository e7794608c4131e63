package io.cutflow.ingest.webui;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.job.JobResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;

/** The ZIP of a session's cutouts, without a browser or a server. */
class CutoutZipTest {

  @Test
  void eachCutoutLeavesBeforeTheNextIsRead() throws Exception {
    Map<String, byte[]> pngs = new LinkedHashMap<>();
    for (int i = 0; i < 3; i++) {
      byte[] b = new byte[50_000 + i];
      java.util.Arrays.fill(b, (byte) i);
      pngs.put("k" + i, b);
    }
    List<CutoutZip.Entry> entries = new ArrayList<>();
    pngs.keySet().forEach(k -> entries.add(new CutoutZip.Entry(k + ".png", "cutouts", k)));
    CountingOut out = new CountingOut();
    List<Long> writtenWhenRead = new ArrayList<>();
    int n =
        CutoutZip.write(
            out,
            entries,
            (bucket, key) -> {
              writtenWhenRead.add(out.count);
              return Optional.of(new ByteArrayInputStream(pngs.get(key)));
            });
    assertEquals(3, n);
    // when the second cutout is read, the first has gone out whole (data, not only a header)
    assertEquals(0L, writtenWhenRead.get(0));
    assertTrue(writtenWhenRead.get(1) > 50_000, writtenWhenRead.toString());
    assertTrue(writtenWhenRead.get(2) > 100_000, writtenWhenRead.toString());
    assertTrue(!out.closed, "the response under the ZIP stays open");

    Map<String, byte[]> back = unzip(out.bytes.toByteArray());
    assertEquals(List.of("k0.png", "k1.png", "k2.png"), List.copyOf(back.keySet()));
    assertArrayEquals(pngs.get("k1"), back.get("k1.png"));
  }

  @Test
  void aCutoutGoneFromTheStoreIsLeftOut() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int n =
        CutoutZip.write(
            out,
            List.of(
                new CutoutZip.Entry("a.png", "b", "gone"), new CutoutZip.Entry("c.png", "b", "k")),
            (bucket, key) ->
                key.equals("gone")
                    ? Optional.empty()
                    : Optional.of(new ByteArrayInputStream(new byte[] {1, 2})));
    assertEquals(1, n);
    assertEquals(List.of("c.png"), List.copyOf(unzip(out.toByteArray()).keySet()));
  }

  @Test
  void entriesAreTheDoneJobsNamedAfterTheirFilesUniqueAndSafe() {
    Map<String, JobResult> results = new LinkedHashMap<>();
    results.put("j1", Results.ok("j1", "photo.jpg", 1, 1));
    results.put("j2", Results.ok("j2", "photo.jpeg", 1, 1)); // same base name
    results.put("j3", Results.failed("j3", "bad"));
    results.put("j4", Results.ok("j4", "..\\..\\evil.jpg", 1, 1)); // a dot file once unpacked
    results.put("j5", Results.ok("j5", ".hidden", 1, 1));
    results.put("j6", Results.ok("j6", "PHOTO.png", 1, 1));
    results.put("j7", Results.ok("j7", "a:b<c>?.jpg", 1, 1));
    results.put("j8", Results.ok("j8", "con.jpg", 1, 1)); // a device name on Windows
    results.put("j9", Results.ok("j9", "Lpt1.tar.gz", 1, 1));
    results.put("j10", Results.ok("j10", "console.jpg", 1, 1));
    List<String> ids =
        List.of("j1", "j2", "j3", "j4", "j5", "j6", "j7", "j8", "j9", "j10", "unknown");
    List<CutoutZip.Entry> entries =
        CutoutZip.entries(ids, id -> Optional.ofNullable(results.get(id)));
    assertEquals(
        List.of(
            "photo.png",
            "photo (2).png",
            "j4.png",
            "j5.png",
            "PHOTO (3).png",
            "a_b_c__.png",
            "con_.png",
            "Lpt1_.tar.png",
            "console.png"),
        entries.stream().map(CutoutZip.Entry::name).toList());
    assertEquals("j1.png", entries.get(0).key());
    assertEquals("cutflow-cutouts", entries.get(0).bucket());
  }

  private static Map<String, byte[]> unzip(byte[] zip) throws IOException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        out.put(e.getName(), in.readAllBytes());
      }
    }
    return out;
  }

  /** An output that says how much has reached it. */
  private static final class CountingOut extends OutputStream {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    long count;
    boolean closed;

    @Override
    public void write(int b) {
      bytes.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      bytes.write(b, off, len);
      count += len;
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
