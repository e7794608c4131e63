package io.cutflow.common.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarConsumer;

/**
 * Where the CLI's progress bars draw. On a terminal the bar redraws in place; on a pipe or a file
 * (a CI log, {@code … 2> log}) each redraw would be a carriage-return run on one endless line, so
 * there the bar is written as a whole line every {@link #LINE_EVERY} and once more at the end.
 */
public final class ProgressOutput {
  /** How often a bar going to a pipe or file writes a line. */
  public static final Duration LINE_EVERY = Duration.ofSeconds(10);

  private ProgressOutput() {}

  /** The consumer for a bar on {@code err}, which this process's stderr (fd 2) is. */
  public static ProgressBarConsumer onStderr(PrintStream err) {
    return isTerminal(stderrLink())
        ? new ConsoleProgressBarConsumer(err)
        : new Lines(err, LINE_EVERY, System::nanoTime);
  }

  /** What fd 2 points at ({@code /proc/self/fd/2}); null where that cannot be read. */
  static String stderrLink() {
    try {
      return Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return null;
    }
  }

  /**
   * Whether a descriptor's target is a terminal; true where it is unknown (not Linux), which keeps
   * the bar as it always was.
   */
  static boolean isTerminal(String link) {
    return link == null || link.startsWith("/dev/pts/") || link.matches("/dev/tty.*");
  }

  /** A bar as lines: the first redraw, then one every {@code every}, and the last at close. */
  static final class Lines implements ProgressBarConsumer {
    private final PrintStream out;
    private final long everyNanos;
    private final LongSupplier clock;
    private boolean printedAny;
    private long printedAt;
    private String unprinted;

    Lines(PrintStream out, Duration every, LongSupplier clock) {
      this.out = out;
      this.everyNanos = every.toNanos();
      this.clock = clock;
    }

    @Override
    public int getMaxRenderedLength() {
      return 100;
    }

    @Override
    public synchronized void accept(String rendered) {
      long now = clock.getAsLong();
      if (!printedAny || now - printedAt >= everyNanos) {
        out.println(rendered.strip());
        printedAny = true;
        printedAt = now;
        unprinted = null;
      } else {
        unprinted = rendered;
      }
    }

    @Override
    public synchronized void close() {
      if (unprinted != null) {
        out.println(unprinted.strip());
        unprinted = null;
      }
      out.flush();
    }
  }
}
