package io.cutflow.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Where {@code cutflow ingest --wait --out} and {@code cutflow run} write each cutout: at the
 * file's path under the folder, each file its own output.
 */
class BulkIngestOutputsTest {
  private static final Path DIR = Path.of("/photos");
  private static final Path OUT = Path.of("/cutouts");

  @Test
  void aSubFolderIsKeptAndSameNamesInTwoFoldersStayApart() {
    // --recursive used to write both to OUT/x.png, the second over the first
    Path a = DIR.resolve("s1/x.jpg");
    Path b = DIR.resolve("s2/x.jpg");
    Path top = DIR.resolve("girl-3.jpg");
    assertEquals(
        Map.of(
            a, OUT.resolve("s1/x.png"), b, OUT.resolve("s2/x.png"), top, OUT.resolve("girl-3.png")),
        BulkIngest.outputs(DIR, List.of(a, b, top), OUT));
  }

  @Test
  void filesThatWouldShareAnOutputKeepTheirExtension() {
    Path jpg = DIR.resolve("dup.jpg");
    Path png = DIR.resolve("dup.png");
    assertEquals(
        Map.of(jpg, OUT.resolve("dup.jpg.png"), png, OUT.resolve("dup.png.png")),
        BulkIngest.outputs(DIR, List.of(jpg, png), OUT));
  }
}
