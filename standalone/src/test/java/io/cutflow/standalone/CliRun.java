package io.cutflow.standalone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import picocli.CommandLine;

/**
 * The {@code cutflow} command run in this JVM with the error handling of its main: exit, stderr.
 */
record CliRun(int exit, List<String> err) {
  static CliRun of(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cli = CutflowCli.commandLine();
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new CliRun(exit, err.toString().lines().toList());
  }

  /** Exit status {@code exit} and one line, {@code cutflow COMMAND: …}, holding each mention. */
  void assertOneLine(int exit, String command, String... mentions) {
    assertEquals(exit, exit(), err.toString());
    assertEquals(1, err.size(), "one line: " + err);
    String line = err.get(0);
    assertTrue(line.startsWith("cutflow " + command + ": "), line);
    for (String m : mentions) {
      assertTrue(line.contains(m), "'" + m + "' in: " + line);
    }
  }
}
