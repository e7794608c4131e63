package io.cutflow.common.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A checked input file is read whole, a MiB at a time, and one whose size moved is refused. */
class InputFilesTest {
  @TempDir Path dir;

  @Test
  void aFileIsReadWholeAcrossChunksAndASizeThatMovedIsRefused() throws Exception {
    byte[] bytes = new byte[(3 << 20) + 17]; // over three chunks
    new Random(7).nextBytes(bytes);
    Path file = Files.write(dir.resolve("photo.jpg"), bytes);
    assertArrayEquals(bytes, InputFiles.read(file, bytes.length));
    IOException grew = assertThrows(IOException.class, () -> InputFiles.read(file, 100));
    assertTrue(
        grew.getMessage().endsWith("changed size while it was read; try again once it is written"),
        grew.getMessage());
    assertThrows(IOException.class, () -> InputFiles.read(file, bytes.length + 1L));
  }
}
