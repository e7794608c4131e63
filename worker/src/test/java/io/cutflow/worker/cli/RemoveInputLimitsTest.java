package io.cutflow.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cutflow remove} in a JVM with a 160 MiB heap, with the default model: an input over the
 * byte limit, as a file beside a good image or on stdin, is refused from its size, not read whole
 * (which ran the process out of memory, and the images after it were never done); and the pixel
 * limit is {@code cutflow.image.max-pixels}, as a worker's is.
 */
class RemoveInputLimitsTest {
  @TempDir Path dir;

  record Run(int exit, String output) {}

  /** {@code remove ARGS} in a 160 MiB heap, stdin from {@code stdin}, {@code env} added. */
  private static Run remove(Path stdin, Map<String, String> env, String... args) throws Exception {
    CommandChild.Ended e = CommandChild.run("remove", stdin, env, args);
    return new Run(e.exit(), e.text());
  }

  /** A file of {@code bytes} zeros that takes no disk (sparse). */
  private Path sparse(String name, long bytes) throws Exception {
    Path p = dir.resolve(name);
    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
      f.setLength(bytes);
    }
    return p;
  }

  private Path smallPng(String name) throws Exception {
    Path p = dir.resolve(name);
    BufferedImage image = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
    image.setRGB(20, 10, 0xff0000);
    ImageIO.write(image, "png", p.toFile());
    return p;
  }

  @Test
  void aFileOverTheByteLimitFailsFromItsSizeAndTheImageBesideItIsWritten() throws Exception {
    // 300 MB: over remove's 200 MiB limit, and more than the whole heap
    Path huge = sparse("huge.png", 300_000_000L);
    Path small = smallPng("small.png");
    Path out = dir.resolve("out");
    Run run = remove(null, Map.of(), "-o", out.toString(), huge.toString(), small.toString());
    assertEquals(1, run.exit(), run.output());
    assertTrue(
        run.output()
            .contains(
                "failed: "
                    + huge
                    + ": input is 300000000 bytes, over the limit of 209715200 bytes; compress or"
                    + " resize it, or raise cutflow.image.max-bytes"),
        run.output());
    assertFalse(run.output().contains("OutOfMemoryError"), run.output());
    assertTrue(Files.size(out.resolve("small.png")) > 0, "the good image is written");
  }

  @Test
  void aStreamOverTheByteLimitOnStdinFailsOnceItGoesPastIt() throws Exception {
    // a limit the test's small heap holds (remove's 200 MiB is for its 1 GiB one)
    Path huge = sparse("huge.bin", 300_000_000L);
    Run run = remove(huge, Map.of("CUTFLOW_IMAGE_MAX_BYTES", "50000000"), "-");
    assertEquals(1, run.exit(), run.output());
    assertTrue(
        run.output()
            .contains(
                "cutflow remove: <stdin>: input is more than 50000000 bytes, over the limit of"
                    + " 50000000 bytes"),
        run.output());
    assertFalse(run.output().contains("OutOfMemoryError"), run.output());
  }

  @Test
  void theLimitsAreTheSettingsAWorkerHas() throws Exception {
    Path small = smallPng("small.png");
    Path out = dir.resolve("out");
    Run pixels =
        remove(
            null,
            Map.of("CUTFLOW_IMAGE_MAX_PIXELS", "3000"),
            "-o",
            out.toString(),
            small.toString());
    assertEquals(1, pixels.exit(), pixels.output());
    assertTrue(
        pixels.output().contains("image is 64x48 (3072 pixels), over the limit of 3000 pixels"),
        pixels.output());
    Run bytes =
        remove(
            null, Map.of("CUTFLOW_IMAGE_MAX_BYTES", "10"), "-o", out.toString(), small.toString());
    assertEquals(1, bytes.exit(), bytes.output());
    assertTrue(bytes.output().contains("over the limit of 10 bytes"), bytes.output());
    Run within =
        remove(
            null,
            Map.of("CUTFLOW_IMAGE_MAX_PIXELS", "3072"),
            "-o",
            out.toString(),
            small.toString());
    assertEquals(0, within.exit(), within.output());
    assertTrue(Files.size(out.resolve("small.png")) > 0);
  }
}
