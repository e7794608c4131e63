package io.cutflow.common.process;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
 * JavaProcessBuilder#pipeStdout(boolean)}, stdout stays a pipe for a line protocol — read it with
 * {@link #stdout()}, write commands with {@link #send(String)} — and only stderr goes to the log).
 * Unless {@link JavaProcessBuilder#watchParent(boolean)} is turned off, the child runs under {@link
 * ChildMain} and exits when our end of its stdin pipe closes, so it dies with us even when we are
 * SIGKILLed.
 *
 * <p>Every child runs in a session (and process group) of its own unless told otherwise ({@link
 * JavaProcessBuilder#ownSession(boolean)}): the terminal's Ctrl-C reaches only this JVM, which
 * stops its children in the order they depend on each other, instead of reaching the broker, the S3
 * server and the workers all at once. At JVM shutdown (Ctrl-C, SIGTERM, {@link System#exit}) one
 * hook first runs the owners' orderly stops ({@link #onShutdown(Runnable)}), then destroys every
 * child still running; from then on no child starts.
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

  JavaProcess(
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
   * Whether the child was started in a session of its own ({@link
   * JavaProcessBuilder#ownSession(boolean)}).
   */
  public boolean ownSession() {
    return ownSession;
  }

  /**
   * The child's stdout, where started with {@link JavaProcessBuilder#pipeStdout(boolean)}; read it,
   * or the child blocks.
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

  public static JavaProcessBuilder builder(String mainClass) {
    return new JavaProcessBuilder(mainClass);
  }

  public static JavaProcessBuilder builder(Class<?> mainClass) {
    return new JavaProcessBuilder(mainClass.getName());
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

  /** Live children started by this JVM (for diagnostics and tests). */
  public static Set<JavaProcess> live() {
    return Set.copyOf(ChildProcesses.LIVE);
  }
}
