package io.cutflow.standalone;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CliLoggingTest {
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
}
