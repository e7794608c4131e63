package io.cutflow.ingest.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cutflow.ingest.BulkIngest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SummaryPrinterTest {

  @Test
  void outputsNamedApartAreNotedAndFailuresListed() {
    Path dir = Path.of("/photos");
    Path out = Path.of("/cutouts");
    List<BulkIngest.Outcome> outcomes =
        List.of(
            new BulkIngest.Outcome(
                dir.resolve("a.jpg"), "j1", null, out.resolve("a.jpg.png"), 5, null),
            new BulkIngest.Outcome(
                dir.resolve("a.png"), "j2", null, out.resolve("a.png.png"), 5, null),
            new BulkIngest.Outcome(
                dir.resolve("s/b.jpg"), "j3", null, out.resolve("s/b.png"), 5, null),
            new BulkIngest.Outcome(dir.resolve("c.jpg"), "j4", null, null, 5, "upload failed: x"));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ByteArrayOutputStream std = new ByteArrayOutputStream();
    SummaryPrinter.print(
        new BulkIngest.Summary(outcomes, 1000),
        true,
        new PrintStream(std, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(
        List.of(
            "note: /photos/a.jpg -> /cutouts/a.jpg.png (another input would have the same output"
                + " name)",
            "note: /photos/a.png -> /cutouts/a.png.png (another input would have the same output"
                + " name)",
            "failed: /photos/c.jpg: upload failed: x"),
        err.toString(StandardCharsets.UTF_8).lines().toList());
  }
}
