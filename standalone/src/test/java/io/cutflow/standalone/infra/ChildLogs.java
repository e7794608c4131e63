package io.cutflow.standalone.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Log files of the processes the end-to-end tests start themselves, under this module's {@code
 * target/child-logs}: kept for a failed test's reader, gone with {@code mvn clean}, never left in
 * the machine's temp directory.
 */
public final class ChildLogs {
  private static final Path DIR = Path.of("target", "child-logs");

  private ChildLogs() {}

  /** A new log file for the process {@code name}. */
  public static Path file(String name) throws IOException {
    return Files.createTempFile(Files.createDirectories(DIR), name + "-", ".log").toAbsolutePath();
  }
}
