package io.cutflow.worker.cli;

import io.cutflow.common.config.ConfigKey;
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

  /**
   * Throws unless {@code value}, given as {@code option}, is allowed for {@code key}, the setting
   * the option stands in for (its validator, so that the flag and the setting agree).
   */
  public static void allowedFor(String option, ConfigKey key, Object value) {
    String problem = value == null ? null : key.validator().problem(value);
    if (problem != null) {
      throw new IllegalArgumentException(
          option
              + " "
              + value
              + " "
              + problem
              + " (allowed: "
              + key.validator().allowed()
              + ", as for "
              + key.name()
              + ")");
    }
  }
}
