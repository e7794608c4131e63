package io.cutflow.common.process;

/** Test child: prints a line and its arguments/environment marker, then sleeps. */
public final class SleepMain {
  private SleepMain() {}

  public static void main(String[] args) throws InterruptedException {
    System.out.println(
        "sleep-main started args="
            + String.join(",", args)
            + " env="
            + System.getenv("SLEEP_MAIN_MARKER")
            + " prop="
            + System.getProperty("sleep.main.prop"));
    System.out.flush();
    Thread.sleep(120_000);
  }
}
