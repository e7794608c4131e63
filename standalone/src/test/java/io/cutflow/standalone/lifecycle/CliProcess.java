package io.cutflow.standalone.lifecycle;

import io.cutflow.common.process.JavaProcess;
import io.cutflow.standalone.CutflowCli;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * {@code ./cutflow ARGS} as a child JVM, the way a person starts it, with its own temp directory
 * ({@code java.io.tmpdir}) and cache ({@code XDG_CACHE_HOME}) under {@code home}, so a test can see
 * everything it leaves behind. stdout and stderr go to files.
 */
final class CliProcess implements AutoCloseable {
  final Path tmp;
  final Path cache;
  final Path stdout;
  final Path stderr;
  final Process process;

  private CliProcess(Path home, Process process) {
    this.tmp = home.resolve("tmp");
    this.cache = home.resolve("cache");
    this.stdout = home.resolve("stdout.txt");
    this.stderr = home.resolve("stderr.txt");
    this.process = process;
  }

  static CliProcess start(Path home, Map<String, String> env, String... args) throws IOException {
    Files.createDirectories(home.resolve("tmp"));
    Files.createDirectories(home.resolve("cache"));
    List<String> cmd = new ArrayList<>();
    // A terminal's Ctrl-C is what the tests stand in for: coreutils' env restores SIGINT's default
    // handling (a script's background job, e.g. under CI, would inherit it ignored) and execs in
    // place, so the pid is the JVM's.
    cmd.add("env");
    cmd.add("--default-signal=INT");
    cmd.add(JavaProcess.javaExecutable().toString());
    cmd.add("-Xmx512m");
    cmd.add("-Djava.io.tmpdir=" + home.resolve("tmp"));
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(CutflowCli.class.getName());
    cmd.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectOutput(home.resolve("stdout.txt").toFile())
            .redirectError(home.resolve("stderr.txt").toFile());
    pb.environment().put("XDG_CACHE_HOME", home.resolve("cache").toString());
    modelCache().ifPresent(c -> pb.environment().put("CUTFLOW_MODEL_CACHE", c.toString()));
    pb.environment().putAll(env);
    return new CliProcess(home, pb.start());
  }

  /** The checkout's verified model files, as the other end-to-end tests find them. */
  static java.util.Optional<Path> modelCache() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path cache = d.resolve("models/cache");
      if (Files.isDirectory(cache)) {
        return java.util.Optional.of(cache);
      }
    }
    return java.util.Optional.empty();
  }

  String out() throws IOException {
    return Files.readString(stdout, StandardCharsets.UTF_8);
  }

  String err() throws IOException {
    return Files.readString(stderr, StandardCharsets.UTF_8);
  }

  /** Waits until {@code condition} holds; false if the process exited or time ran out first. */
  boolean await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      if (!process.isAlive()) {
        return condition.getAsBoolean();
      }
      Thread.sleep(250);
    }
    return false;
  }

  /** Whether SIGINT reaches the JVM: one started with it ignored installs no handler for it. */
  boolean ignoresSigint() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
      if (line.startsWith("SigIgn:")) {
        return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << 1)) != 0;
      }
    }
    return false;
  }

  /** Sends {@code signal} (e.g. {@code INT}) as a shell's {@code kill -INT pid} does. */
  void kill(String signal) throws IOException, InterruptedException {
    Process k = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
    if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) {
      throw new IOException("kill -" + signal + " " + process.pid() + " failed");
    }
  }

  /** Entries of the child's temp directory whose names start with {@code prefix}. */
  List<Path> tempEntries(String prefix) throws IOException {
    try (Stream<Path> s = Files.list(tmp)) {
      return s.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
    }
  }

  /** Lines of stderr that are log lines (logback's pattern) at INFO. */
  List<String> infoLogLinesOnStderr() throws IOException {
    return err().lines().filter(l -> l.matches("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO .*")).toList();
  }

  /** Every log file under the child's cache. */
  List<Path> logFiles() throws IOException {
    Path dir = cache.resolve("cutflow/logs");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    }
  }

  @Override
  public void close() {
    // a failed test must not leave the stack running
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }
}
