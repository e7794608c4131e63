package io.cutflow.common.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.job.CutoutOption;
import io.cutflow.common.job.CutoutOptions;
import io.cutflow.common.job.InvalidOptionException;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

class CutoutOptionsMixinTest {
  @Command(name = "t")
  static final class Cmd {
    @Mixin CutoutOptionsMixin rembg;
  }

  private static CutoutOptions parse(String... args) {
    Cmd cmd = new Cmd();
    new CommandLine(cmd).parseArgs(args);
    return cmd.rembg.options();
  }

  @Test
  void flagsComeFromTheTable() {
    assertEquals(CutoutOptions.DEFAULTS, parse());
    CutoutOptions o = parse("-m", "u2net", "-om", "--post-process-mask", "-bgc", "(1, 2, 3, 4)");
    assertEquals("u2net", o.model());
    assertTrue(o.onlyMask());
    assertTrue(o.postProcessMask());
    assertEquals(List.of(1, 2, 3, 4), o.bgcolor());
    assertEquals(List.of(9, 8, 7, 6), parse("--bgcolor=[9,8,7,6]").bgcolor());
    assertNull(parse("-om").bgcolor());
  }

  @Test
  void aBadValueNamesTheFlagAsTyped() {
    InvalidOptionException e =
        assertThrows(InvalidOptionException.class, () -> parse("--bgcolor", "1,2,3"));
    assertEquals("--bgcolor", e.option());
    assertTrue(e.getMessage().startsWith("--bgcolor: expected R,G,B,A"), e.getMessage());
    assertEquals(
        "-m", assertThrows(InvalidOptionException.class, () -> parse("-m", "../x")).option());
  }

  @Test
  void helpListsEveryOption() {
    String usage = new CommandLine(new Cmd()).getUsageMessage();
    for (CutoutOption o : CutoutOptions.OPTIONS) {
      for (String name : o.cliNames()) {
        assertTrue(usage.contains(name), name + " in\n" + usage);
      }
    }
  }
}
