package io.cutflow.worker.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks of command-line values that picocli's types cannot express, made before anything loads: a
 * bad value is a user error, reported in one line that names the option and a value that works (the
 * CLI prints an {@link IllegalArgumentException}'s message and exits 2).
 */
public final class CliArguments {
  private CliArguments() {}

  /**
   * Throws unless {@code value} of {@code option} is at least 1; {@code example} is one that is.
   */
  public static void atLeastOne(String option, int value, String meaning, String example) {
    if (value < 1) {
      throw new IllegalArgumentException(
          option
              + " must be at least 1, got "
              + value
              + "; give the number of "
              + meaning
              + ", e.g. "
              + option
              + " "
              + example);
    }
  }

  /** Throws unless {@code file}, the value of {@code option}, is a readable file. */
  public static void readableFile(String option, Path file) {
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new IllegalArgumentException(
          option
              + " "
              + file
              + (Files.exists(file) ? " is not a readable file" : " does not exist")
              + "; give an image file");
    }
  }
}
