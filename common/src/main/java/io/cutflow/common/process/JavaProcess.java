package io.cutflow.common.process;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Java main class run as a child process on this JVM's classpath (the embedded broker, the
 * embedded S3 server, worker processes).
 *
 * <p>The child's stdout and stderr go to a log file, never to our own streams (with {@link
 * Builder#pipeStdout(boolean)}, stdout stays a pipe for a line protocol — read it with {@link
 * #stdout()}, write commands with {@link #send(String)} — and only stderr goes to the log). Unless
 * {@link Builder#watchParent(boolean)} is turned off, the child runs under {@link ChildMain} and
 * exits when our end of its stdin pipe closes, so it dies with us even when we are SIGKILLed.
 *
 * <p>Every child runs in a session (and process group) of its own unless told otherwise ({@link
 * Builder#ownSession(boolean)}): the terminal's Ctrl-C reaches only this JVM, which stops its
 * children in the order they depend on each other, instead of reaching the broker, the S3 server
 * and the workers all at once. At JVM shutdown (Ctrl-C, SIGTERM, {@link System#exit}) one hook
 * first runs the owners' orderly stops ({@link #onShutdown(Runnable)}), then destroys every child
 * still running; from then on no child starts.
 */
public final class JavaProcess implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(JavaProcess.class);
  private static final Duration DEFAULT_GRACE = Duration.ofSeconds(10);

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(ChildProcesses::reap, "java-process-reaper"));
  }

  /**
   * Runs {@code stop} when the JVM shuts down (Ctrl-C, SIGTERM, {@link System#exit}), before the
   * children still alive are destroyed. An owner that must stop its children in order (workers
   * before the broker they commit to) registers its stop here instead of adding a shutdown hook of
   * its own; the stop must be bounded in time. Closing the returned handle unregisters it.
   */
  public static AutoCloseable onShutdown(Runnable stop) {
    return ChildProcesses.onShutdown(stop);
  }

  /** Whether the JVM has begun to shut down (no child starts from then on). */
  public static boolean shuttingDown() {
    return ChildProcesses.shuttingDown();
  }

  private final String name;
  private final Process process;
  private final Path logFile;
  private final OutputStream stdin;
  private final List<String> command;
  private final boolean stdoutPiped;
  private final boolean ownSession;

  private JavaProcess(
      String name,
      Process process,
      Path logFile,
      List<String> command,
      boolean stdoutPiped,
      boolean ownSession) {
    this.name = name;
    this.process = process;
    this.logFile = logFile;
    this.stdin = process.getOutputStream();
    this.command = List.copyOf(command);
    this.stdoutPiped = stdoutPiped;
    this.ownSession = ownSession;
  }

  /**
   * Whether the child was started in a session of its own ({@link Builder#ownSession(boolean)}).
   */
  public boolean ownSession() {
    return ownSession;
  }

  /**
   * The child's stdout, where started with {@link Builder#pipeStdout(boolean)}; read it, or the
   * child blocks.
   */
  public java.io.InputStream stdout() {
    if (!stdoutPiped) {
      throw new IllegalStateException(name + ": stdout goes to " + logFile + ", not to a pipe");
    }
    return process.getInputStream();
  }

  /**
   * Writes one line to the child's stdin and flushes it. Meant for children started with {@code
   * watchParent(false)} that read commands from stdin themselves (with the watcher on, {@link
   * ChildMain} swallows whatever we write). False when the pipe is closed (the child exited).
   */
  public synchronized boolean send(String line) {
    try {
      stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      stdin.flush();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  public static Builder builder(String mainClass) {
    return new Builder(mainClass);
  }

  public static Builder builder(Class<?> mainClass) {
    return new Builder(mainClass.getName());
  }

  /** The java launcher of this JVM. */
  public static Path javaExecutable() {
    return Path.of(System.getProperty("java.home"), "bin", "java");
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public ProcessHandle handle() {
    return process.toHandle();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public Path logFile() {
    return logFile;
  }

  public List<String> command() {
    return command;
  }

  /** Exit status, if it has exited. */
  public OptionalInt exitCode() {
    return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
  }

  /** Waits for exit; returns the exit status. */
  public int waitFor() throws InterruptedException {
    int rc = process.waitFor();
    ChildProcesses.LIVE.remove(this);
    return rc;
  }

  /** Waits up to {@code timeout}; true when it exited. */
  public boolean waitFor(Duration timeout) throws InterruptedException {
    boolean done = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (done) {
      ChildProcesses.LIVE.remove(this);
    }
    return done;
  }

  /** {@link #destroy(Duration)} with a 10 s grace period. */
  public void destroy() {
    destroy(DEFAULT_GRACE);
  }

  /**
   * Asks the child to stop (closes its stdin and sends SIGTERM, so its shutdown hooks run), waits
   * up to {@code grace}, then kills it (and any process it started) forcibly.
   */
  public void destroy(Duration grace) {
    try {
      closeStdin();
      if (process.isAlive()) {
        process.destroy();
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
          LOG.warn(
              "{} (pid {}) did not stop within {} ms; killing it", name, pid(), grace.toMillis());
          process.descendants().forEach(ProcessHandle::destroyForcibly);
          process.destroyForcibly();
          process.waitFor(10, TimeUnit.SECONDS);
        }
      }
      process.descendants().forEach(ProcessHandle::destroyForcibly);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    } finally {
      ChildProcesses.LIVE.remove(this);
    }
  }

  @Override
  public void close() {
    destroy();
  }

  /** Closes our end of the child's stdin: what the child sees when we die. */
  public void closeStdin() {
    try {
      stdin.close();
    } catch (IOException e) {
      // already closed or child gone
    }
  }

  /** The last {@code lines} lines of the log file, for error messages. */
  public String logTail(int lines) {
    try {
      if (!Files.exists(logFile)) {
        return "";
      }
      List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(cannot read " + logFile + ": " + e + ")";
    }
  }

  @Override
  public String toString() {
    return name + "[pid " + pid() + (isAlive() ? "" : ", exited " + process.exitValue()) + "]";
  }

  /** Builds and starts a {@link JavaProcess}. */
  public static final class Builder {
    private final String mainClass;
    private final List<String> args = new ArrayList<>();
    private final List<String> jvmArgs = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private final Map<String, String> systemProperties = new LinkedHashMap<>();
    private String classpath = System.getProperty("java.class.path");
    private Path logFile;
    private Path workDir;
    private String name;
    private boolean watchParent = true;
    private boolean pipeStdout;
    private boolean ownSession = true;

    private Builder(String mainClass) {
      this.mainClass = Objects.requireNonNull(mainClass, "mainClass");
    }

    public Builder args(String... values) {
      args.addAll(List.of(values));
      return this;
    }

    public Builder args(List<String> values) {
      args.addAll(values);
      return this;
    }

    /** JVM options, e.g. {@code -Xmx512m}. */
    public Builder jvmArgs(String... values) {
      jvmArgs.addAll(List.of(values));
      return this;
    }

    /**
     * A {@code -D} option: on the command line, which {@code ps} shows to every user, so never a
     * secret (pass those with {@link #env}).
     */
    public Builder systemProperty(String key, String value) {
      systemProperties.put(key, value);
      return this;
    }

    public Builder systemProperties(Map<String, String> values) {
      systemProperties.putAll(values);
      return this;
    }

    /** An environment variable on top of ours. */
    public Builder env(String key, String value) {
      env.put(key, value);
      return this;
    }

    public Builder env(Map<String, String> values) {
      env.putAll(values);
      return this;
    }

    /** Default: this JVM's {@code java.class.path}. */
    public Builder classpath(String value) {
      classpath = Objects.requireNonNull(value);
      return this;
    }

    /** Where stdout+stderr go (appended). Default: a temp file named after the process. */
    public Builder logFile(Path value) {
      logFile = value;
      return this;
    }

    public Builder workDir(Path value) {
      workDir = value;
      return this;
    }

    /** A label for logs; default the main class's simple name. */
    public Builder name(String value) {
      name = value;
      return this;
    }

    /** Run under {@link ChildMain} so the child exits when we die (default true). */
    public Builder watchParent(boolean value) {
      watchParent = value;
      return this;
    }

    /**
     * Keep the child's stdout as a pipe ({@link JavaProcess#stdout()}); stderr still goes to the
     * log (default false).
     */
    public Builder pipeStdout(boolean value) {
      pipeStdout = value;
      return this;
    }

    /**
     * Start the child in a session of its own (through util-linux {@code setsid}, where installed;
     * {@link JavaProcess#ownSession()} says whether it was), so that signals for our terminal's
     * foreground job (Ctrl-C) do not reach it. On Linux that also gives it an autogroup of its own,
     * whose CPU priority can be changed apart from ours (default true).
     */
    public Builder ownSession(boolean value) {
      ownSession = value;
      return this;
    }

    public JavaProcess start() throws IOException {
      String label = name != null ? name : mainClass.substring(mainClass.lastIndexOf('.') + 1);
      if (ChildProcesses.shuttingDown()) {
        // it would outlive the reaper: nothing would stop it
        throw new IOException("not starting " + label + ": the JVM is shutting down");
      }
      Path log = logFile != null ? logFile : Files.createTempFile("cutflow-" + label + "-", ".log");
      if (log.getParent() != null) {
        Files.createDirectories(log.getParent());
      }
      List<String> cmd = new ArrayList<>();
      Path setsid = ownSession ? ChildProcesses.SETSID.orElse(null) : null;
      if (setsid != null) {
        // setsid execs in place (our child is no process-group leader), so the pid stays the JVM's
        cmd.add(setsid.toString());
      }
      cmd.add(javaExecutable().toString());
      cmd.addAll(jvmArgs);
      systemProperties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
      cmd.add("-cp");
      cmd.add(ChildProcesses.absoluteClasspath(classpath));
      if (watchParent) {
        cmd.add(ChildMain.class.getName());
      }
      cmd.add(mainClass);
      cmd.addAll(args);

      ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.PIPE);
      if (pipeStdout) {
        pb.redirectOutput(ProcessBuilder.Redirect.PIPE)
            .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
      } else {
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      }
      if (workDir != null) {
        pb.directory(workDir.toFile());
      }
      pb.environment().putAll(env);
      Process process = pb.start();
      JavaProcess jp = new JavaProcess(label, process, log, cmd, pipeStdout, setsid != null);
      ChildProcesses.LIVE.add(jp);
      if (ChildProcesses.shuttingDown()) {
        // the reaper may have passed LIVE already: stop it ourselves
        jp.destroy(Duration.ofSeconds(2));
        throw new IOException("not starting " + label + ": the JVM is shutting down");
      }
      LOG.debug("started {} (pid {}), log {}", label, process.pid(), log);
      return jp;
    }
  }

  /** Live children started by this JVM (for diagnostics and tests). */
  public static Set<JavaProcess> live() {
    return Set.copyOf(ChildProcesses.LIVE);
  }
}
