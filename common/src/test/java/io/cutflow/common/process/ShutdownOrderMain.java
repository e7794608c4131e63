package io.cutflow.common.process;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Test child: starts a {@link SleepMain} grandchild, registers an orderly stop that reports whether
 * the grandchild is still alive when it runs and whether a new child may start then, and waits.
 * Usage: {@code ShutdownOrderMain <grandchild log>}.
 */
public final class ShutdownOrderMain {
  private ShutdownOrderMain() {}

  public static void main(String[] args) throws Exception {
    JavaProcess grandchild = JavaProcess.builder(SleepMain.class).logFile(Path.of(args[0])).start();
    JavaProcess.onShutdown(
        () -> {
          System.out.println("stop: grandchild alive=" + grandchild.isAlive());
          try {
            JavaProcess.builder(SleepMain.class).logFile(Path.of(args[0] + ".late")).start();
            System.out.println("late child started");
          } catch (java.io.IOException e) {
            System.out.println("late child refused: " + e.getMessage());
          }
          grandchild.destroy(Duration.ofSeconds(5));
          System.out.println("stop: done");
          System.out.flush();
        });
    System.out.println("ready grandchild=" + grandchild.pid());
    System.out.flush();
    Thread.sleep(120_000);
  }
}
