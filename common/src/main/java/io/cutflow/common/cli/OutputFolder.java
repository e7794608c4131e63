package io.cutflow.common.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A folder a command writes into, named by one of its options ({@code --out}, {@code --data},
 * {@code --log-dir}): made now, before anything starts, or refused with an {@link
 * IllegalArgumentException} that names the option and the fix (the CLI's one line, exit 2). A check
 * by permissions alone let through folders that cannot be made (under {@code /proc}, or as root
 * anywhere), which then failed with a stack trace after the stack had started.
 */
public final class OutputFolder {
  private OutputFolder() {}

  /** Creates {@code dir} (and its parents) unless it is a folder already; returns it. */
  public static Path create(String option, Path dir) {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new IllegalArgumentException(
          option
              + " "
              + dir
              + " exists and is not a directory; name a directory (it is created if missing)");
    }
    Path existing = dir.toAbsolutePath().normalize();
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing != null && !Files.isDirectory(existing)) {
      throw new IllegalArgumentException(
          option
              + " "
              + dir
              + " cannot be created: "
              + existing
              + " is not a directory; name a folder you can write");
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          option + " " + dir + " cannot be created: " + e + "; name a folder you can write");
    }
    if (!Files.isWritable(dir)) {
      throw new IllegalArgumentException(
          option + " " + dir + " is not writable; name a folder you can write");
    }
    return dir;
  }
}
