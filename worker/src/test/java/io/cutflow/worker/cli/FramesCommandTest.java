package io.cutflow.worker.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cutflow.common.job.CutoutOptions;
import io.cutflow.worker.inference.InferenceSession;
import io.cutflow.worker.inference.ReferenceQualityTest;
import io.cutflow.worker.inference.RemoverFactory;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code cutflow frames} (rembg b) on a real photo as raw RGB24 frames, with the default model:
 * each frame's PNG is byte for byte the cutout {@code remove} makes of the same pixels as a PNG
 * file.
 */
class FramesCommandTest {
  private static BufferedImage photo;
  private static BufferedImage mirrored;

  @BeforeAll
  static void photos() throws Exception {
    Path data = ReferenceQualityTest.sharedTestdata();
    assumeTrue(data != null, "shared/testdata not found beside the repository");
    BufferedImage read = ImageIO.read(data.resolve("photos/car-1.jpg").toFile()); // 480×360
    photo = rgb(read, false);
    mirrored = rgb(read, true);
  }

  private static BufferedImage rgb(BufferedImage src, boolean mirror) {
    int w = src.getWidth();
    BufferedImage out = new BufferedImage(w, src.getHeight(), BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < src.getHeight(); y++) {
      for (int x = 0; x < w; x++) {
        out.setRGB(mirror ? w - 1 - x : x, y, src.getRGB(x, y));
      }
    }
    return out;
  }

  /** The frame as ffmpeg's rawvideo rgb24 writes it: rows top to bottom, R G B per pixel. */
  private static byte[] rawRgb(BufferedImage img) {
    byte[] raw = new byte[img.getWidth() * img.getHeight() * 3];
    int i = 0;
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        int p = img.getRGB(x, y);
        raw[i++] = (byte) (p >> 16);
        raw[i++] = (byte) (p >> 8);
        raw[i++] = (byte) p;
      }
    }
    return raw;
  }

  private static byte[] png(BufferedImage img) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  private record Run(int exit, byte[] stdout, String stderr) {}

  private static Run frames(byte[] stdin, String... args) {
    FramesCommand command = new FramesCommand();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    command.in = new ByteArrayInputStream(stdin);
    command.out = out;
    command.err = new PrintStream(err, true, StandardCharsets.UTF_8);
    int exit = new CommandLine(command).execute(args);
    return new Run(exit, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      all.writeBytes(p);
    }
    return all.toByteArray();
  }

  /** {@code frames ARGS} in a JVM with a 160 MiB heap, stdin from {@code stdin}. */
  private static Run smallHeap(Path stdin, String... args) throws Exception {
    CommandChild.Ended e = CommandChild.run("frames", stdin, Map.of(), args);
    return new Run(e.exit(), e.output(), e.text());
  }

  @Test
  void framesTooLargeForTheHeapAreRefusedOnceBeforeAnyIsReadAndSmallOnesStillGo(@TempDir Path dir)
      throws Exception {
    // 12 MP frames need far more than a 160 MiB heap has for images: one refusal, exit 2, even
    // with frames waiting on stdin (none of them is read)
    Path frames = Files.write(dir.resolve("frames.rgb"), new byte[4000 * 3000 * 3]);
    Run big = smallHeap(frames, "4000", "3000", "-o", dir + "/out/big-%d.png");
    assertEquals(2, big.exit(), big.stderr());
    assertTrue(
        big.stderr()
            .contains(
                "cutflow frames: frames of 4000×3000: a 4000x3000 image (12.0 MP)" + " needs"),
        big.stderr());
    assertTrue(big.stderr().contains("scale=1920:-2"), big.stderr());
    assertEquals(1, big.stderr().split("needs", -1).length - 1, "refused once: " + big.stderr());
    try (Stream<Path> files = Files.list(dir.resolve("out"))) {
      assertEquals(0, files.count());
    }
    // the same heap takes small frames
    Path small = Files.write(dir.resolve("small.rgb"), new byte[64 * 48 * 3]);
    Run one = smallHeap(small, "64", "48", "-o", dir + "/out/small-%d.png");
    assertEquals(0, one.exit(), one.stderr());
    assertTrue(Files.isRegularFile(dir.resolve("out/small-0.png")), one.stderr());
  }

  @Test
  void eachFrameBecomesTheCutoutOfItsPixelsAndATornLastFrameIsReported(@TempDir Path dir)
      throws Exception {
    byte[] stream = concat(rawRgb(photo), rawRgb(mirrored), new byte[1000]);
    Run run = frames(stream, "480", "360", "-o", dir.resolve("out/f-%02d.png").toString());

    assertEquals(1, run.exit(), run.stderr());
    assertTrue(
        run.stderr().contains("failed: stdin ended inside frame 2: 1000 of its 518400 bytes"),
        run.stderr());
    assertTrue(
        run.stderr().contains("2 frames written as " + dir.resolve("out/f-%02d.png")),
        run.stderr());
    try (Stream<Path> files = Files.list(dir.resolve("out"))) {
      assertEquals(
          List.of("f-00.png", "f-01.png"),
          files.map(f -> f.getFileName().toString()).sorted().toList());
    }
    try (RemoverFactory.Loaded reference =
        RemoverFactory.open(null, InferenceSession.Settings.of(null).withArena(true), 0)) {
      byte[] first = reference.remover().remove(png(photo), "car-1", CutoutOptions.DEFAULTS).png();
      byte[] second =
          reference.remover().remove(png(mirrored), "car-1 mirrored", CutoutOptions.DEFAULTS).png();
      assertArrayEquals(first, Files.readAllBytes(dir.resolve("out/f-00.png")), "frame 0");
      assertArrayEquals(second, Files.readAllBytes(dir.resolve("out/f-01.png")), "frame 1");

      // without -o: the PNGs one after another on stdout, nothing else there
      Run piped = frames(concat(rawRgb(photo), rawRgb(mirrored)), "480", "360");
      assertEquals(0, piped.exit(), piped.stderr());
      assertArrayEquals(concat(first, second), piped.stdout());
      assertTrue(piped.stderr().contains("2 frames written to stdout"), piped.stderr());
    }
  }
}
