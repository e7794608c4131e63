package io.cutflow.common.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.junit.jupiter.api.Test;

class ProgressOutputTest {
  @Test
  void terminalsAreTtysAndPtysAndAnythingUnknown() {
    assertTrue(ProgressOutput.isTerminal("/dev/pts/3"));
    assertTrue(ProgressOutput.isTerminal("/dev/tty1"));
    assertTrue(ProgressOutput.isTerminal(null), "not Linux: the bar stays as it was");
    assertFalse(ProgressOutput.isTerminal("pipe:[81234]"));
    assertFalse(ProgressOutput.isTerminal("/tmp/ci.log"));
    assertFalse(ProgressOutput.isTerminal("/dev/null"));
    assertFalse(ProgressOutput.isTerminal("socket:[1]"));
  }

  @Test
  void onAPipeTheBarIsWholeLinesNowAndThenAndTheLastState() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    AtomicLong now = new AtomicLong();
    ProgressOutput.Lines lines =
        new ProgressOutput.Lines(
            new PrintStream(bytes, true, StandardCharsets.UTF_8), Duration.ofSeconds(10), now::get);
    lines.accept("a 1/4 ");
    now.set(Duration.ofSeconds(4).toNanos());
    lines.accept("a 2/4");
    now.set(Duration.ofSeconds(10).toNanos());
    lines.accept("a 3/4");
    now.set(Duration.ofSeconds(12).toNanos());
    lines.accept("a 4/4");
    lines.close();
    assertEquals("a 1/4\na 3/4\na 4/4\n", bytes.toString(StandardCharsets.UTF_8));
  }

  @Test
  void aRealBarOnAPipeWritesNoCarriageReturns() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    try (ProgressBar bar =
        new ProgressBarBuilder()
            .setTaskName("cutouts")
            .setInitialMax(3)
            .setStyle(ProgressBarStyle.ASCII)
            .setConsumer(new ProgressOutput.Lines(out, Duration.ofHours(1), System::nanoTime))
            .setUpdateIntervalMillis(10)
            .build()) {
      bar.step();
      bar.step();
      bar.step();
    }
    String written = bytes.toString(StandardCharsets.UTF_8);
    assertFalse(written.contains("\r"), written);
    String[] lines = written.split("\n");
    assertTrue(lines.length <= 2, "the first redraw and the last: " + written);
    assertTrue(lines[lines.length - 1].contains("3/3"), written);
  }
}
