package io.cutflow.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cutflow.common.config.CutflowConfig;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A local image over cutflow.image.max-bytes is refused from its size, before it is read. */
class SourceFilesTest {
  @TempDir Path dir;

  @Test
  void aFileOverTheLimitIsRefusedFromItsSizeNamingTheSetting() throws Exception {
    // 3 GB, sparse: more than a byte array holds, so reading it would fail otherwise
    Path huge = dir.resolve("huge.jpg");
    try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
      f.setLength(3_000_000_000L);
    }
    SourceFiles sources = SourceFiles.fromConfig(CutflowConfig.isolated(Map.of()));
    SourceFiles.TooLargeException e =
        assertThrows(SourceFiles.TooLargeException.class, () -> sources.read(huge));
    assertEquals(
        "huge.jpg is 3000000000 bytes, over the 67108864 of cutflow.image.max-bytes that workers"
            + " take; not uploaded. Compress or resize it, or raise the setting for ingest and"
            + " workers alike",
        e.getMessage());
    Path small = Files.write(dir.resolve("small.jpg"), new byte[] {1, 2, 3});
    assertArrayEquals(new byte[] {1, 2, 3}, new SourceFiles(3).read(small));
    assertThrows(SourceFiles.TooLargeException.class, () -> new SourceFiles(2).read(small));
  }
}
