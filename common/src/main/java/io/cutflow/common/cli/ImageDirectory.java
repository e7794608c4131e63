package io.cutflow.common.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The directory of images a command works through ({@code run}, {@code bench}, {@code ingest},
 * {@code profile}, {@code quality}): its images listed one way for all of them, and checked before
 * anything loads, so that a wrong path or an empty folder gets one line naming it (exit 2) rather
 * than a model load and a stack trace, or a result over no images.
 */
public final class ImageDirectory {
  private ImageDirectory() {}

  /** Throws unless {@code dir} is a directory. */
  public static void check(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(
          dir
              + (Files.exists(dir) ? " is not a directory" : " does not exist")
              + "; give the directory that holds the images");
    }
  }

  /** {@code files}, listed from {@code dir}; throws if there are none. */
  private static List<Path> nonEmpty(Path dir, List<Path> files) {
    if (files.isEmpty()) {
      throw new IllegalArgumentException(
          "no files in " + dir + "; give the directory that holds the images");
    }
    return files;
  }

  /**
   * The files of {@code dir}, sorted: hidden ones left out, and with {@code recursive} those of its
   * sub-folders too.
   */
  private static List<Path> list(Path dir, boolean recursive) throws IOException {
    try (Stream<Path> s = recursive ? Files.walk(dir) : Files.list(dir)) {
      return s.filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().startsWith("."))
          .sorted()
          .toList();
    }
  }

  /** The files of {@code dir} (not its sub-folders, not hidden ones), sorted; at least one. */
  public static List<Path> files(Path dir) throws IOException {
    return files(dir, false);
  }

  /**
   * The files of {@code dir} (with {@code recursive}, of its sub-folders too; not hidden ones),
   * sorted; at least one. Throws, naming {@code dir}, when it is no directory or holds no file.
   */
  public static List<Path> files(Path dir, boolean recursive) throws IOException {
    check(dir);
    return nonEmpty(dir, list(dir, recursive));
  }
}
