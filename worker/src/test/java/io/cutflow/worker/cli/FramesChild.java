package io.cutflow.worker.cli;

import picocli.CommandLine;

/** {@code cutflow frames} alone in a JVM of the test's choosing (a small heap). */
public final class FramesChild {
  private FramesChild() {}

  public static void main(String[] args) {
    System.exit(new CommandLine(new FramesCommand()).execute(args));
  }
}
