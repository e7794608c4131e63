package io.cutflow.worker.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.worker.image.ImageLimits;
import io.cutflow.worker.image.InvalidImageException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cutflow remove}'s file handling with a stand-in for the model (the "cutout" is the input
 * reversed), so each rule is checked on real files: folders and {@code --recursive}, {@code
 * --skip-existing}, {@code --delete-input} after a verified write.
 */
class RemoveBatchTest {
  @TempDir Path tmp;

  /** A stand-in for the model: the PNG of one input. */
  @FunctionalInterface
  interface Cutter {
    byte[] png(byte[] data, String name) throws Exception;
  }

  private static final Cutter REVERSE =
      (data, name) -> {
        byte[] out = new byte[data.length];
        for (int i = 0; i < data.length; i++) {
          out[i] = data[data.length - 1 - i];
        }
        return out;
      };

  record Input(byte[] data, String name) {}

  /** The cutter as the model step; prepare keeps the input, finish passes the "PNG" on. */
  static RemoveBatch.Steps<Input, byte[]> steps(Cutter cutter) {
    return new RemoveBatch.Steps<>() {
      @Override
      public Input prepare(byte[] data, String name) {
        return new Input(data, name);
      }

      @Override
      public byte[] infer(Input prepared) throws Exception {
        return cutter.png(prepared.data(), prepared.name());
      }

      @Override
      public byte[] finish(byte[] inferred, String name) {
        return inferred;
      }

      @Override
      public void release(Input prepared) {}
    };
  }

  private Path file(String relative, String content) throws IOException {
    Path p = tmp.resolve(relative);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
    return p;
  }

  private static List<Path> outputs(RemoveBatch.Plan plan) {
    return plan.items().stream().map(RemoveBatch.Item::output).toList();
  }

  @Test
  void aFolderGivesItsOwnFilesAndRecursiveKeepsRelativePaths() throws IOException {
    file("in/a.jpg", "a");
    file("in/sub/b.png", "b");
    file("in/sub/deeper/c.webp", "c");
    file("in/.hidden.jpg", "h");
    file("in/.git/d.jpg", "d");
    Path out = tmp.resolve("out");

    RemoveBatch.Plan flat = RemoveBatch.plan(List.of(tmp.resolve("in").toString()), out, false);
    assertEquals(List.of(out.resolve("a.png")), outputs(flat));

    RemoveBatch.Plan deep = RemoveBatch.plan(List.of(tmp.resolve("in").toString()), out, true);
    assertEquals(
        List.of(out.resolve("a.png"), out.resolve("sub/b.png"), out.resolve("sub/deeper/c.png")),
        outputs(deep));

    RemoveBatch.Outcome done =
        RemoveBatch.run(
            deep.items(),
            ImageLimits.defaults(),
            steps(REVERSE),
            false,
            false,
            () -> {},
            () -> false);
    assertEquals(3, done.written());
    assertEquals("c", Files.readString(out.resolve("sub/deeper/c.png")));
  }

  @Test
  void anOutFolderInsideTheInputFolderIsNotTakenAsInput() throws IOException {
    file("in/a.jpg", "a");
    file("in/out/old.png", "previous cutout");
    Path out = tmp.resolve("in/out");
    RemoveBatch.Plan plan = RemoveBatch.plan(List.of(tmp.resolve("in").toString()), out, true);
    assertEquals(List.of(out.resolve("a.png")), outputs(plan));
  }

  @Test
  void missingInputsAreNamed() throws IOException {
    RemoveBatch.Plan plan =
        RemoveBatch.plan(List.of(tmp.resolve("nope.jpg").toString()), tmp.resolve("out"), false);
    assertEquals(List.of(), plan.items());
    assertEquals(List.of("no such file: " + tmp.resolve("nope.jpg")), plan.missing());
  }

  @Test
  void skipExistingLeavesExistingOutputsAndTheirInputsAlone() throws IOException {
    Path a = file("in/a.jpg", "abc");
    Path b = file("in/b.jpg", "xyz");
    Path out = tmp.resolve("out");
    Path existing = file("out/a.png", "kept");
    AtomicInteger calls = new AtomicInteger();
    Cutter counting =
        (data, name) -> {
          calls.incrementAndGet();
          return REVERSE.png(data, name);
        };
    List<RemoveBatch.Item> items =
        RemoveBatch.plan(List.of(a.toString(), b.toString()), out, false).items();

    RemoveBatch.Outcome o =
        RemoveBatch.run(
            items, ImageLimits.defaults(), steps(counting), true, true, () -> {}, () -> false);
    assertEquals(1, o.written());
    assertEquals(1, o.skipped());
    assertEquals(1, calls.get(), "the model ran for b only");
    assertEquals("kept", Files.readString(existing));
    assertEquals("zyx", Files.readString(out.resolve("b.png")));
    assertTrue(Files.exists(a), "a skipped input is not deleted");
    assertFalse(Files.exists(b), "b's cutout was verified, so b is deleted");

    // without the flag the existing output is replaced
    RemoveBatch.Outcome again =
        RemoveBatch.run(
            items.subList(0, 1),
            ImageLimits.defaults(),
            steps(REVERSE),
            false,
            false,
            () -> {},
            () -> false);
    assertEquals(1, again.written());
    assertEquals("cba", Files.readString(existing));
  }

  @Test
  void inputsThatWouldShareAnOutputEachGetTheirOwnAndAllAreDeletedOnlyOnceWritten()
      throws IOException {
    file("in/a.jpg", "jpg");
    file("in/a.png", "png");
    file("in/a.JPG", "JPG");
    file("in/b.gif", "gif");
    Path out = tmp.resolve("out");
    RemoveBatch.Plan plan = RemoveBatch.plan(List.of(tmp.resolve("in").toString()), out, false);
    assertEquals(
        List.of(
            out.resolve("a.JPG.png"),
            out.resolve("a.jpg~2.png"),
            out.resolve("a.png.png"),
            out.resolve("b.png")),
        outputs(plan));

    RemoveBatch.Outcome o =
        RemoveBatch.run(
            plan.items(),
            ImageLimits.defaults(),
            steps(REVERSE),
            false,
            true,
            () -> {},
            () -> false);
    assertEquals(4, o.written());
    assertEquals(4, o.deleted());
    assertEquals("GPJ", Files.readString(out.resolve("a.JPG.png")));
    assertEquals("gpj", Files.readString(out.resolve("a.jpg~2.png")));
    assertEquals("gnp", Files.readString(out.resolve("a.png.png")));
    assertEquals("fig", Files.readString(out.resolve("b.png")));
  }

  @Test
  void anOutFolderThatIsAnInputFolderIsRefused() throws IOException {
    file("in/a.jpg", "a");
    Path in = tmp.resolve("in");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> RemoveBatch.plan(List.of(in.toString()), in, true));
    assertTrue(e.getMessage().startsWith("--out " + in + " is the input folder"), e.getMessage());
  }

  @Test
  void deleteInputKeepsInputsThatFailedAndNoOutputReplacesAnInput() throws IOException {
    Path good = file("in/good.jpg", "good");
    Path bad = file("in/bad.jpg", "bad");
    Path self = file("in/self.png", "self"); // OUT = in: self.png's cutout may not be self.png
    Path out = tmp.resolve("in");
    Cutter failsOnBad =
        (data, name) -> {
          if (name.endsWith("bad.jpg")) {
            throw new InvalidImageException(
                InvalidImageException.Reason.NOT_AN_IMAGE, name, "not an image");
          }
          return REVERSE.png(data, name);
        };
    List<RemoveBatch.Item> items =
        RemoveBatch.plan(List.of(good.toString(), bad.toString(), self.toString()), out, false)
            .items();
    List<String> steps = new ArrayList<>();
    RemoveBatch.Outcome o =
        RemoveBatch.run(
            items,
            ImageLimits.defaults(),
            steps(failsOnBad),
            false,
            true,
            () -> steps.add("x"),
            () -> false);
    assertEquals(3, steps.size(), "progress after every item");
    assertEquals(2, o.written());
    assertEquals(2, o.deleted());
    assertEquals(List.of(bad + ": not an image"), o.failures());
    assertFalse(Files.exists(good));
    assertEquals("doog", Files.readString(out.resolve("good.png")));
    assertTrue(Files.exists(bad), "a failed input is kept");
    assertEquals(out.resolve("self.png.png"), items.get(2).output());
    assertEquals("fles", Files.readString(out.resolve("self.png.png")));
    assertFalse(Files.exists(self), "self.png's cutout was verified, so self.png is deleted");
  }

  @Test
  void aVerifiedWriteLeavesNoTemporaryFileAndReadsBackEqual() throws IOException {
    Path target = tmp.resolve("w/x.png");
    byte[] png = "PNG bytes".getBytes(StandardCharsets.UTF_8);
    RemoveBatch.writeVerified(target, png);
    assertArrayEquals(png, Files.readAllBytes(target));
    try (var s = Files.list(target.getParent())) {
      assertEquals(List.of(target), s.toList());
    }
  }

  @Test
  void anInputOverTheByteLimitFailsAloneFromItsSize() throws IOException {
    Path in = Files.createDirectories(tmp.resolve("limits"));
    Files.writeString(in.resolve("a.jpg"), "0123456789");
    Files.writeString(in.resolve("b.jpg"), "0123456789A");
    Path out = tmp.resolve("limits-out");
    List<RemoveBatch.Item> items = RemoveBatch.plan(List.of(in.toString()), out, false).items();
    RemoveBatch.Outcome o =
        RemoveBatch.run(
            items, new ImageLimits(100, 10), steps(REVERSE), false, false, () -> {}, () -> false);
    assertEquals(1, o.written());
    assertEquals("9876543210", Files.readString(out.resolve("a.png")));
    assertEquals(
        List.of(
            in.resolve("b.jpg")
                + ": input is 11 bytes, over the limit of 10 bytes; compress or resize it, or"
                + " raise cutflow.image.max-bytes"),
        o.failures());
  }

  @Test
  void aStreamIsReadUpToTheLimitAndRefusedPastIt() throws Exception {
    ImageLimits limits = new ImageLimits(100, 10);
    byte[] ten = "0123456789".getBytes(StandardCharsets.UTF_8);
    assertArrayEquals(ten, RemoveBatch.readUpTo(new ByteArrayInputStream(ten), limits, "<stdin>"));
    InvalidImageException e =
        assertThrows(
            InvalidImageException.class,
            () ->
                RemoveBatch.readUpTo(
                    new ByteArrayInputStream(new byte[1_000_000]), limits, "<stdin>"));
    assertEquals(
        "<stdin>: input is more than 10 bytes, over the limit of 10 bytes; compress or resize it,"
            + " or raise cutflow.image.max-bytes",
        e.getMessage());
  }
}
