package io.cutflow.worker.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/**
 * {@code cutflow frames} or {@code cutflow remove} (the first argument) alone in a JVM of the
 * test's choosing: a 160 MiB heap ({@link #run}).
 */
public final class CommandChild {
  private CommandChild() {}

  /** How a child ended: its exit code and what it wrote to stdout and stderr together. */
  record Ended(int exit, byte[] output) {
    String text() {
      return new String(output, StandardCharsets.UTF_8);
    }
  }

  /**
   * {@code command ARGS} in a JVM with a 160 MiB heap, stdin from {@code stdin} (or none), {@code
   * env} added to the environment (the test's {@code CUTFLOW_IMAGE_*} taken out first).
   */
  static Ended run(String command, Path stdin, Map<String, String> env, String... args)
      throws Exception {
    List<String> line =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx160m",
                "-cp",
                System.getProperty("java.class.path"),
                CommandChild.class.getName(),
                command));
    line.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(line).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("CUTFLOW_IMAGE_"));
    pb.environment().putAll(env);
    if (stdin != null) {
      pb.redirectInput(stdin.toFile());
    }
    Process child = pb.start();
    byte[] output = child.getInputStream().readAllBytes();
    if (!child.waitFor(2, TimeUnit.MINUTES)) {
      child.destroyForcibly();
      throw new AssertionError(command + " did not end within 2 minutes");
    }
    return new Ended(child.exitValue(), output);
  }

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
