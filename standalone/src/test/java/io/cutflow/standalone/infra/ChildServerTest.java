package io.cutflow.standalone.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.process.JavaProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The start protocol the embedded servers share, against small child JVMs that serve nothing. */
class ChildServerTest {
  @TempDir Path dir;

  /** A child that prints to its log and exits with status 3 at once. */
  public static final class ExitAtOnce {
    public static void main(String[] args) {
      System.out.println("cannot bind: address in use");
      System.exit(3);
    }
  }

  /** A child that stays up until destroyed. */
  public static final class StayUp {
    public static void main(String[] args) throws InterruptedException {
      Thread.sleep(120_000);
    }
  }

  private JavaProcess child(Class<?> main) throws IOException {
    return JavaProcess.builder(main).name("fake").logFile(dir.resolve("fake.log")).start();
  }

  /** What {@code awaitReady} throws for a server whose probe always fails. */
  private static IOException neverReady(JavaProcess p, int port, Duration timeout) {
    return assertThrows(
        IOException.class,
        () ->
            ChildServer.awaitReady(
                "Fake",
                p,
                port,
                timeout,
                () -> {
                  throw new IOException("not yet");
                }));
  }

  @Test
  void aServerThatExitsIsNamedWithItsStatusAndLog() throws Exception {
    JavaProcess p = child(ExitAtOnce.class);
    IOException e = neverReady(p, InfraSupport.freePort(), Duration.ofSeconds(30));
    assertTrue(e.getMessage().startsWith("Fake exited with status 3 during start"), e.getMessage());
    assertTrue(e.getMessage().contains("cannot bind: address in use"), e.getMessage());
  }

  @Test
  void aServerThatNeverAnswersIsDestroyedAfterTheTimeout() throws Exception {
    JavaProcess p = child(StayUp.class);
    try (ServerSocket listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      IOException e = neverReady(p, listening.getLocalPort(), Duration.ofSeconds(1));
      assertTrue(e.getMessage().startsWith("Fake not ready after 1 s; log "), e.getMessage());
      assertEquals("not yet", e.getCause().getMessage());
      assertFalse(p.isAlive(), "the child is destroyed");
    } finally {
      p.destroy();
    }
  }

  @Test
  void readyOnceTheProbeSucceeds() throws Exception {
    JavaProcess p = child(StayUp.class);
    AtomicInteger probes = new AtomicInteger();
    try (ServerSocket listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      ChildServer.awaitReady(
          "Fake",
          p,
          listening.getLocalPort(),
          Duration.ofSeconds(30),
          () -> {
            if (probes.incrementAndGet() < 3) {
              throw new IOException("not yet");
            }
          });
      assertEquals(3, probes.get());
      assertTrue(p.isAlive(), "a ready child is left running");
    } finally {
      p.destroy();
    }
  }

  @Test
  void twoFailedAttemptsThrowTheLastAndDeleteTheServersOwnDirectory() throws Exception {
    Path own = Files.createDirectories(dir.resolve("own"));
    AtomicInteger attempts = new AtomicInteger();
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                ChildServer.startTwice(
                    "Fake",
                    own,
                    true,
                    () -> {
                      throw new IOException("attempt " + attempts.incrementAndGet());
                    }));
    assertEquals("attempt 2", e.getMessage());
    assertFalse(Files.exists(own), "the directory is deleted");
  }

  @Test
  void aSecondAttemptCanSucceedAndAKeptDirectoryStays() throws Exception {
    Path kept = Files.createDirectories(dir.resolve("kept"));
    AtomicInteger attempts = new AtomicInteger();
    Object server = new Object();
    Object started =
        ChildServer.startTwice(
            "Fake",
            kept,
            false,
            () -> {
              if (attempts.incrementAndGet() == 1) {
                throw new IOException("port taken");
              }
              return server;
            });
    assertSame(server, started);
    assertEquals(2, attempts.get());
    assertTrue(Files.isDirectory(kept));
  }
}
