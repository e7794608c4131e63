package io.cutflow.standalone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class CliLoggingTest {
  @TempDir Path tmp;

  private static boolean toFile(String... args) {
    return CliLogging.toFile(CutflowCli.commandLine().parseArgs(args).subcommand());
  }

  @Test
  void commandsAPersonWatchesLogToAFileAndServicesToStderr() {
    assertTrue(toFile("ingest", "photos"));
    assertTrue(toFile("remove", "-o", "out", "a.jpg"));
    // watch DIR prints each cutout and failure itself (rembg p -w); watch s3://… is a service
    assertTrue(toFile("watch", "photos", "--out", "cutouts"));
    assertTrue(toFile("watch", "--out", "cutouts", "photos"));
    assertFalse(toFile("watch", "s3://cutflow-inbox/a/"));
    assertFalse(toFile("worker"));
    assertFalse(toFile("ingest-server"));
  }

  @Test
  void anUnexpectedFailureIsOneLineOnTheTerminalAndItsStackTraceInTheLogFile() throws Exception {
    StringWriter line = new StringWriter();
    Exception boom = new IllegalStateException("boom");
    // logs on stderr (a service, --verbose): nothing done, the caller prints the stack trace
    assertFalse(CliLogging.failed("worker", boom, Optional.empty(), new PrintWriter(line, true)));
    assertEquals("", line.toString());

    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    PrintStream stderr = System.err;
    ByteArrayOutputStream terminal = new ByteArrayOutputStream();
    PrintStream captured = new PrintStream(terminal, true, StandardCharsets.UTF_8);
    System.setErr(captured);
    try {
      Path file =
          CliLogging.configure(
                  CutflowCli.commandLine().parseArgs("ingest", "photos").subcommand(),
                  false,
                  Map.of("XDG_CACHE_HOME", tmp.toString()),
                  captured)
              .orElseThrow();
      assertTrue(CliLogging.failed("ingest", boom, Optional.of(file), new PrintWriter(line, true)));
      assertEquals(
          "cutflow ingest: failed: java.lang.IllegalStateException: boom (an unexpected error;"
              + " the stack trace is in "
              + file
              + ")",
          line.toString().strip());
      String logged = Files.readString(file);
      assertTrue(logged.contains("command failed"), logged);
      assertTrue(logged.contains("java.lang.IllegalStateException: boom"), logged);
      assertTrue(logged.contains("\tat io.cutflow.standalone.CliLoggingTest"), logged);
      // the terminal: where the log file is, not the stack trace
      String shown = terminal.toString(StandardCharsets.UTF_8);
      assertTrue(shown.contains("logs in " + file), shown);
      assertFalse(shown.contains("IllegalStateException"), shown);
    } finally {
      System.setErr(stderr);
      // this JVM's other tests log as before
      root.getAppender("FILE").stop();
      root.detachAppender("FILE");
      if (root.getAppender("STDERR") != null) {
        root.getAppender("STDERR").clearAllFilters();
      }
    }
  }
}
