package io.cutflow.standalone;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;
import org.slf4j.MarkerFactory;
import picocli.CommandLine;

/**
 * Where the CLI's own logs go (logback, configured in {@code logback.xml} to stderr). For the
 * commands a person watches on a terminal — {@code run}, {@code up}, {@code bench}, {@code remove},
 * {@code frames}, {@code ingest}, {@code watch DIR} — the terminal shows progress and results:
 * their logs go to a file under {@code ~/.cache/cutflow/logs} (or {@code
 * $XDG_CACHE_HOME/cutflow/logs}), whose path is printed once (at the first log line), and only this
 * project's warnings and errors still reach stderr. {@code --verbose} keeps every log on stderr.
 * Services ({@code worker}, {@code ingest-server}, {@code watch s3://…}) and the other commands log
 * to stderr as before.
 */
final class CliLogging {
  /** The commands whose logs go to a file. */
  static final Set<String> TO_FILE = Set.of("run", "up", "bench", "remove", "frames", "ingest");

  /** Log files kept in the directory; older ones are deleted. */
  static final int KEEP_FILES = 30;

  private static final String PATTERN =
      "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{0} - %msg %kvp%n";

  private CliLogging() {}

  /**
   * True when {@code command} (as parsed) is one a person watches: one of {@link #TO_FILE}, or
   * {@code watch} on a folder (rembg's {@code p -w}, which prints each cutout), not on a bucket (a
   * service, as in docker-compose.yml, whose logs are what it says).
   */
  static boolean toFile(CommandLine.ParseResult command) {
    String name = command.commandSpec().name();
    if ("watch".equals(name)) {
      String target = command.matchedPositionalValue(0, "");
      return !target.isEmpty() && !target.startsWith("s3://");
    }
    return TO_FILE.contains(name);
  }

  /**
   * Sends {@code command}'s logs to a new file, unless {@code verbose} or not {@link #toFile}; the
   * file is created, and its path printed on {@code err}, at the first log line (a command that
   * fails on its arguments leaves no empty file and prints one line). Returns the file.
   */
  static Optional<Path> configure(
      CommandLine.ParseResult parsed, boolean verbose, Map<String, String> env, PrintStream err) {
    if (verbose || !toFile(parsed)) {
      return Optional.empty();
    }
    String command = parsed.commandSpec().name();
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return Optional.empty(); // another slf4j backend: leave it as configured
    }
    Path file =
        logDir(env)
            .resolve(
                command
                    + "-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
                    + "-"
                    + ProcessHandle.current().pid()
                    + ".log");
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    Appender<ILoggingEvent> stderr = root.getAppender("STDERR");
    Filter<ILoggingEvent> filter = new TerminalFilter();
    filter.setContext(context);
    filter.start();
    if (stderr != null) {
      stderr.addFilter(filter);
    }
    LazyFileAppender appender =
        new LazyFileAppender(
            file,
            path ->
                err.println("cutflow " + command + ": logs in " + path + " (--verbose: on stderr)"),
            e -> {
              err.println(
                  "cutflow "
                      + command
                      + ": cannot write logs to "
                      + file
                      + " ("
                      + e
                      + "); logs on stderr");
              if (stderr != null) {
                stderr.clearAllFilters();
              }
            });
    appender.setContext(context);
    appender.setName("FILE");
    appender.start();
    root.addAppender(appender);
    return Optional.of(file);
  }

  /**
   * A file appender that creates its file (and prunes old ones) at the first event, and says where
   * it is then.
   */
  private static final class LazyFileAppender extends AppenderBase<ILoggingEvent> {
    private final Path file;
    private final Consumer<Path> opened;
    private final Consumer<IOException> failed;
    private FileAppender<ILoggingEvent> delegate; // guarded by doAppend's lock
    private boolean broken;

    LazyFileAppender(Path file, Consumer<Path> opened, Consumer<IOException> failed) {
      this.file = file;
      this.opened = opened;
      this.failed = failed;
    }

    @Override
    protected void append(ILoggingEvent event) {
      if (broken) {
        return;
      }
      if (delegate == null) {
        try {
          Files.createDirectories(file.getParent());
          prune(file.getParent());
        } catch (IOException e) {
          broken = true;
          failed.accept(e);
          return;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(getContext());
        encoder.setPattern(PATTERN);
        encoder.start();
        FileAppender<ILoggingEvent> f = new FileAppender<>();
        f.setContext(getContext());
        f.setName("FILE-" + file.getFileName());
        f.setFile(file.toString());
        f.setAppend(true);
        f.setEncoder(encoder);
        f.start();
        delegate = f;
        opened.accept(file);
      }
      delegate.doAppend(event);
    }

    @Override
    public void stop() {
      if (delegate != null) {
        delegate.stop();
      }
      super.stop();
    }
  }

  /** {@code $XDG_CACHE_HOME/cutflow/logs}, else {@code ~/.cache/cutflow/logs}. */
  static Path logDir(Map<String, String> env) {
    String xdg = env.get("XDG_CACHE_HOME");
    Path cache =
        xdg != null && !xdg.isBlank()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".cache");
    return cache.resolve("cutflow").resolve("logs");
  }

  /** Keeps the newest {@link #KEEP_FILES} - 1 log files, making room for one more. */
  private static void prune(Path dir) throws IOException {
    List<Path> logs;
    try (Stream<Path> s = Files.list(dir)) {
      logs =
          s.filter(p -> p.getFileName().toString().endsWith(".log"))
              .sorted(Comparator.comparing(CliLogging::modified).reversed())
              .toList();
    }
    for (Path old : logs.subList(Math.min(logs.size(), KEEP_FILES - 1), logs.size())) {
      Files.deleteIfExists(old);
    }
  }

  private static long modified(Path p) {
    try {
      return Files.getLastModifiedTime(p).toMillis();
    } catch (IOException e) {
      return 0;
    }
  }

  /** On the terminal: this project's warnings and errors only (not Kafka's reconnect chatter). */
  static final class TerminalFilter extends Filter<ILoggingEvent> {
    @Override
    public FilterReply decide(ILoggingEvent event) {
      boolean fileOnly = event.getMarkerList() != null && event.getMarkerList().contains(FILE_ONLY);
      return !fileOnly
              && event.getLevel().isGreaterOrEqual(Level.WARN)
              && event.getLoggerName().startsWith("io.cutflow.")
          ? FilterReply.NEUTRAL
          : FilterReply.DENY;
    }
  }

  /** An event for the log file only: the terminal has had its one line already. */
  static final Marker FILE_ONLY = MarkerFactory.getMarker("FILE_ONLY");

  /**
   * A command that failed on something it did not expect, where its logs go to a file: the stack
   * trace goes there and {@code err} gets one line naming the error and the file. Returns false
   * (nothing done) where the logs are on stderr: the caller prints the stack trace as before.
   */
  static boolean failed(String command, Exception e, Optional<Path> logFile, PrintWriter err) {
    if (logFile.isEmpty()) {
      return false;
    }
    LoggerFactory.getLogger(CliLogging.class)
        .atError()
        .addMarker(FILE_ONLY)
        .setMessage("command failed")
        .addKeyValue("command", command)
        .setCause(e)
        .log();
    err.println(
        "cutflow "
            + command
            + ": failed: "
            + e
            + " (an unexpected error; the stack trace is in "
            + logFile.get()
            + ")");
    return true;
  }
}
