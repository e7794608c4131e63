package io.cutflow.worker.service;

/** Why a worker's run loop ended; the process exit code tells the supervisor. */
public enum ExitReason {
  /** Asked to stop (SIGTERM, STOP on the control channel). */
  STOPPED(0),
  /** Processed its quota of records ({@code recycle-after}). */
  RECYCLE_COUNT(10),
  /** Resident memory passed {@code max-rss-mb}. */
  RECYCLE_RSS(11),
  /** Could not publish results: continuing would stall commits forever. */
  FATAL(1);

  private final int exitCode;

  ExitReason(int exitCode) {
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }

  public static ExitReason ofExitCode(int code) {
    for (ExitReason r : values()) {
      if (r.exitCode == code) {
        return r;
      }
    }
    return FATAL;
  }
}
