package io.cutflow.common.process;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * Entry point of every child process {@link JavaProcess} starts: {@code ChildMain <main class>
 * [args...]}.
 *
 * <p>It starts a daemon thread that reads standard input until end-of-file, then calls the real
 * main. The parent holds the write end of that pipe open for the child's whole life, so EOF means
 * the parent is gone (it exited, crashed or was SIGKILLed: the kernel closes its file descriptors
 * either way). The child then exits through {@link System#exit} (shutdown hooks run, e.g. Kafka's
 * controlled shutdown), and halts outright if that takes longer than {@value #HALT_AFTER_MS} ms.
 * This is what keeps a killed test run or CLI from leaving brokers and workers behind.
 */
public final class ChildMain {
  /** Exit status when the parent went away. */
  public static final int PARENT_GONE_STATUS = 143;

  static final long HALT_AFTER_MS = 15_000;

  private ChildMain() {}

  public static void main(String[] args) throws Throwable {
    if (args.length < 1) {
      System.err.println("usage: ChildMain <main class> [args...]");
      System.exit(2);
    }
    Thread watcher = new Thread(ChildMain::watchParent, "parent-watch");
    watcher.setDaemon(true);
    watcher.start();

    Method main = Class.forName(args[0]).getMethod("main", String[].class);
    try {
      main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
    } catch (InvocationTargetException e) {
      System.err.println("child main " + args[0] + " failed:");
      e.getCause().printStackTrace();
      System.exit(1);
    }
  }

  private static void watchParent() {
    InputStream in = System.in;
    byte[] buf = new byte[256];
    try {
      while (in.read(buf) != -1) {
        // the parent never writes; anything it does write is ignored
      }
    } catch (IOException e) {
      // a broken pipe means the same as EOF
    }
    System.err.println("parent process went away (stdin closed); exiting");
    Thread halter =
        new Thread(
            () -> {
              try {
                Thread.sleep(HALT_AFTER_MS);
              } catch (InterruptedException ignored) {
                // fall through
              }
              Runtime.getRuntime().halt(PARENT_GONE_STATUS);
            },
            "parent-watch-halt");
    halter.setDaemon(true);
    halter.start();
    System.exit(PARENT_GONE_STATUS);
  }
}
