package io.cutflow.standalone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command's {@code --help} renders as written. Picocli formats descriptions with {@code
 * String.format}: a bare {@code %d} in one (frames' {@code -o out/frame-%04d.png}) made it print
 * two {@code [picocli WARN]} lines on stderr above the usage.
 */
class HelpTextTest {
  private static void collect(CommandLine cli, List<CommandLine> all) {
    all.add(cli);
    for (CommandLine sub : cli.getSubcommands().values()) {
      if (!all.contains(sub)) { // aliases (frames = b) list a command twice
        collect(sub, all);
      }
    }
  }

  @Test
  void everyCommandsHelpRendersWithoutPicocliWarnings() {
    List<CommandLine> commands = new ArrayList<>();
    collect(CutflowCli.commandLine(), commands);
    assertTrue(commands.size() > 15, "commands found: " + commands.size());
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    List<String> usages = new ArrayList<>();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      for (CommandLine c : commands) {
        usages.add(c.getUsageMessage(CommandLine.Help.Ansi.OFF));
      }
    } finally {
      System.setErr(err);
    }
    assertEquals("", captured.toString(StandardCharsets.UTF_8));
    String frames =
        usages.stream()
            .filter(u -> u.startsWith("Usage: cutflow frames"))
            .findFirst()
            .orElseThrow();
    assertTrue(frames.contains("-o out/frame-%04d.png"), frames);
    assertFalse(frames.contains("%%"), frames);
  }
}
