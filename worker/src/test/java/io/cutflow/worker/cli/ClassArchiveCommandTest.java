package io.cutflow.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.worker.supervisor.WorkerClassArchive;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code --record} leaves for the launcher script: the archive's path when there is one, so
 * that the script can run the command again once that file has gone; nothing when there is none, so
 * that it does not run it before every command.
 */
class ClassArchiveCommandTest {
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @Test
  void recordsTheArchiveThatIsThereWithoutWritingAnother(@TempDir Path dir) throws Exception {
    String classPath = jar(dir, "a.jar") + ":" + jar(dir, "b.jar");
    Path cds = dir.resolve("cds");
    Path archive = WorkerClassArchive.in(cds, classPath).orElseThrow().archive();
    Files.writeString(archive, "made by the test");
    ClassArchiveCommand c = withRecord(dir);

    assertEquals(0, c.run(true, cds, classPath, new PrintStream(err, true)));

    assertEquals(archive.toString(), Files.readString(c.record));
    assertEquals("made by the test", Files.readString(archive));
    assertTrue(err.toString().contains(archive + " is there"), err::toString);
  }

  @Test
  void recordsNothingForAClassPathWithAFolder(@TempDir Path dir) throws Exception {
    String classPath = jar(dir, "a.jar") + ":" + Files.createDirectories(dir.resolve("classes"));
    ClassArchiveCommand c = withRecord(dir);

    assertEquals(0, c.run(true, dir.resolve("cds"), classPath, new PrintStream(err, true)));

    assertEquals("", Files.readString(c.record));
    assertTrue(err.toString().contains("only plain jars are archived"), err::toString);
  }

  @Test
  void recordsNothingWhenTurnedOff(@TempDir Path dir) throws Exception {
    ClassArchiveCommand c = withRecord(dir);

    assertEquals(
        0, c.run(false, dir.resolve("cds"), jar(dir, "a.jar").toString(), new PrintStream(err)));

    assertEquals("", Files.readString(c.record));
    assertTrue(Files.notExists(dir.resolve("cds")));
  }

  private static ClassArchiveCommand withRecord(Path dir) throws IOException {
    ClassArchiveCommand c = new ClassArchiveCommand();
    c.record = dir.resolve("class-archive.done");
    Files.writeString(c.record, "stale", StandardCharsets.UTF_8);
    return c;
  }

  /** An empty jar without a manifest: a plain jar, as the archive wants. */
  private static Path jar(Path dir, String name) throws IOException {
    Path p = dir.resolve(name);
    try (OutputStream out = Files.newOutputStream(p);
        JarOutputStream j = new JarOutputStream(out)) {
      j.finish();
    }
    return p;
  }
}
