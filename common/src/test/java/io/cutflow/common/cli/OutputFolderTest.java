package io.cutflow.common.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputFolderTest {
  @TempDir Path tmp;

  private static String refusal(String option, Path dir) {
    return assertThrows(IllegalArgumentException.class, () -> OutputFolder.create(option, dir))
        .getMessage();
  }

  @Test
  void aMissingFolderIsMadeWithItsParentsAndAnExistingOneKept() throws Exception {
    Path dir = tmp.resolve("a/b/c");
    assertEquals(dir, OutputFolder.create("--out", dir));
    assertTrue(Files.isDirectory(dir));
    Files.writeString(dir.resolve("kept.png"), "x");
    OutputFolder.create("--out", dir);
    assertTrue(Files.exists(dir.resolve("kept.png")));
  }

  @Test
  void aFileOrAFolderUnderAFileIsRefusedNamingTheOption() throws Exception {
    Path file = Files.writeString(tmp.resolve("file"), "x");
    assertEquals(
        "--out "
            + file
            + " exists and is not a directory; name a directory (it is created if"
            + " missing)",
        refusal("--out", file));
    assertEquals(
        "--data "
            + file.resolve("sub")
            + " cannot be created: "
            + file
            + " is not a directory; name a folder you can write",
        refusal("--data", file.resolve("sub")));
  }

  @Test
  void aFolderTheSystemWillNotMakeIsRefusedNotLeftForLater() {
    // /proc takes no new folders, even from root, whose permission checks pass everywhere
    Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "no /proc here");
    String message = refusal("--log-dir", Path.of("/proc/cutflow-out"));
    assertTrue(
        message.startsWith("--log-dir /proc/cutflow-out cannot be created: ")
            && message.endsWith("; name a folder you can write"),
        message);
  }
}
