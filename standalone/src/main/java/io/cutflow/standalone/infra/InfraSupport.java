package io.cutflow.standalone.infra;

import io.cutflow.common.process.JavaProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Small helpers shared by the embedded servers. */
final class InfraSupport {
  private InfraSupport() {}

  /**
   * JVM options for infrastructure children: small heap, serial GC, C1 only (fast start on small
   * machines).
   */
  static final String[] SMALL_JVM = {
    "-Xms64m",
    "-Xmx512m",
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-Xss512k",
    "-Djava.awt.headless=true",
    "-Dfile.encoding=UTF-8"
  };

  /** A port that was free on the loopback interface a moment ago. */
  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Waits until something accepts TCP connections on 127.0.0.1:port (cheap, and keeps client
   * libraries from logging a warning per refused connection while the server starts).
   *
   * @return false when {@code process} exited or the deadline passed first
   */
  static boolean awaitPort(JavaProcess process, int port, long deadlineNanos) {
    while (System.nanoTime() < deadlineNanos && process.isAlive()) {
      try (java.net.Socket s = new java.net.Socket()) {
        s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
        return true;
      } catch (IOException e) {
        sleep(50);
      }
    }
    return false;
  }

  static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException e) {
                  // best effort
                }
              });
    } catch (IOException e) {
      // best effort
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
