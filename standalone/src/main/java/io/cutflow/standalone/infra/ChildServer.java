package io.cutflow.standalone.infra;

import io.cutflow.common.process.JavaProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How an embedded server starts, whatever it serves: a child JVM on free loopback ports, ready once
 * its port accepts connections and a client's probe succeeds; tried twice, because another process
 * can take a port between our choosing it and the server binding it.
 */
final class ChildServer {
  private static final Logger LOG = LoggerFactory.getLogger(ChildServer.class);

  private ChildServer() {}

  /** A client call that succeeds once the server serves. */
  @FunctionalInterface
  interface Probe {
    void check() throws Exception;
  }

  /** One try at starting a server on fresh ports; throws when it did not become ready. */
  @FunctionalInterface
  interface Attempt<T> {
    T start() throws IOException;
  }

  /**
   * Runs {@code attempt} up to twice; when both fail, deletes {@code dir} if it is the server's own
   * and throws the last failure.
   */
  static <T> T startTwice(String name, Path dir, boolean deleteOnClose, Attempt<T> attempt)
      throws IOException {
    IOException last = null;
    for (int i = 1; i <= 2; i++) {
      try {
        return attempt.start();
      } catch (IOException e) {
        last = e;
        LOG.warn("{} start attempt {} failed: {}", name, i, e.getMessage());
      }
    }
    if (deleteOnClose) {
      InfraSupport.deleteRecursively(dir);
    }
    throw last;
  }

  /**
   * Launches {@code mainClass} as an infrastructure child ({@link InfraSupport#SMALL_JVM}, warnings
   * only), working in {@code dir} with its output in {@code dir/logName}.
   */
  static JavaProcess launch(String mainClass, String name, Path dir, String logName, String... args)
      throws IOException {
    return JavaProcess.builder(mainClass)
        .name(name)
        .jvmArgs(InfraSupport.SMALL_JVM)
        .env("CUTFLOW_LOG_LEVEL", "WARN")
        .logFile(dir.resolve(logName))
        .workDir(dir)
        .args(args)
        .start();
  }

  /**
   * Waits until {@code p} accepts connections on {@code port} and {@code probe} succeeds. On
   * failure (the process exited, or {@code timeout} passed) destroys {@code p} and throws an
   * exception that names the server and ends with its log's tail.
   */
  static void awaitReady(String name, JavaProcess p, int port, Duration timeout, Probe probe)
      throws IOException {
    try {
      poll(name, p, port, timeout, probe);
    } catch (IOException e) {
      p.destroy(Duration.ofSeconds(5));
      throw e;
    }
  }

  private static void poll(String name, JavaProcess p, int port, Duration timeout, Probe probe)
      throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    InfraSupport.awaitPort(p, port, deadline);
    while (true) {
      if (!p.isAlive()) {
        throw new IOException(
            name + " exited with status " + p.exitCode().orElse(-1) + " during start" + log(p));
      }
      try {
        probe.check();
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted waiting for " + name, e);
      } catch (Exception e) {
        if (System.nanoTime() > deadline) {
          throw new IOException(
              name + " not ready after " + timeout.toSeconds() + " s" + log(p), e);
        }
        InfraSupport.sleep(100);
      }
    }
  }

  private static String log(JavaProcess p) {
    return "; log " + p.logFile() + ":\n" + p.logTail(40);
  }

  /** Logs that the server is ready; returns the time since {@code startNanos}. */
  static Duration ready(String name, String address, long startNanos, JavaProcess p, Path dir) {
    Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
    LOG.info(
        "{} ready at {} in {} ms (pid {}, dir {})", name, address, took.toMillis(), p.pid(), dir);
    return took;
  }
}
