package io.cutflow.worker.cli;

import java.util.Arrays;
import picocli.CommandLine;

/**
 * {@code cutflow frames} or {@code cutflow remove} (the first argument) alone in a JVM of the
 * test's choosing (a small heap).
 */
public final class CommandChild {
  private CommandChild() {}

  public static void main(String[] args) {
    Object command =
        switch (args[0]) {
          case "frames" -> new FramesCommand();
          case "remove" -> new RemoveCommand();
          default -> throw new IllegalArgumentException("frames or remove: " + args[0]);
        };
    System.exit(new CommandLine(command).execute(Arrays.copyOfRange(args, 1, args.length)));
  }
}
