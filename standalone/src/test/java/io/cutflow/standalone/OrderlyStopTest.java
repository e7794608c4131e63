package io.cutflow.standalone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.standalone.OrderlyStop.Phase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one stop of run and up: ordered, bounded, once, shared by the command and the shutdown. */
class OrderlyStopTest {
  private static final Duration BOUND = Duration.ofSeconds(10);

  @TempDir Path tmp;

  @Test
  void stepsRunByPhaseThenInTheOrderAddedAndOnlyOnce() throws Exception {
    List<String> ran = new CopyOnWriteArrayList<>();
    Path data = Files.createDirectories(tmp.resolve("data/sub"));
    Files.writeString(data.resolve("f"), "x");
    OrderlyStop stop = OrderlyStop.install("test");
    stop.step(Phase.REPORT, "report", BOUND, () -> ran.add("report"));
    stop.step(Phase.SERVERS, "broker", BOUND, () -> ran.add("broker"));
    stop.deleteAtEnd(tmp.resolve("data"));
    stop.step(Phase.REPORT, "data gone", BOUND, () -> ran.add("data gone=" + !Files.exists(data)));
    stop.step(Phase.INGEST, "http", BOUND, () -> ran.add("http"));
    stop.step(Phase.WORKERS, "workers", BOUND, () -> ran.add("workers"));
    stop.step(Phase.SERVERS, "s3", BOUND, () -> ran.add("s3"));
    stop.close();
    stop.close();
    assertEquals(List.of("workers", "http", "broker", "s3", "report", "data gone=true"), ran);
    assertFalse(stop.signalled());
  }

  @Test
  void aResourceAddedWhileStoppingIsClosedAtOnce() {
    OrderlyStop stop = OrderlyStop.install("test");
    stop.close();
    AtomicBoolean closed = new AtomicBoolean();
    AutoCloseable late = () -> closed.set(true);
    assertThrows(
        OrderlyStop.StoppingException.class, () -> stop.add(Phase.INGEST, "late", BOUND, late));
    assertTrue(closed.get());
  }

  @Test
  void aHungStepIsLeftBehindAfterItsBound() {
    List<String> ran = new CopyOnWriteArrayList<>();
    CountDownLatch never = new CountDownLatch(1);
    OrderlyStop stop = OrderlyStop.install("test");
    stop.step(Phase.WORKERS, "hangs", Duration.ofMillis(300), never::await);
    stop.step(Phase.SERVERS, "after", BOUND, () -> ran.add("after"));
    stop.close();
    assertEquals(List.of("after"), ran);
  }

  /**
   * As on Ctrl-C: the stop starts on another thread while the command's thread waits; the workers
   * stop first, then the command's thread is interrupted and the stop waits for it to arrive.
   */
  @Test
  void aStopFromAnotherThreadInterruptsTheCommandAfterTheWorkersAndWaitsForIt() throws Exception {
    List<String> ran = new CopyOnWriteArrayList<>();
    OrderlyStop stop = OrderlyStop.install("test");
    stop.step(Phase.WORKERS, "workers", BOUND, () -> ran.add("workers"));
    stop.step(Phase.INGEST, "client", BOUND, () -> ran.add("client"));
    CountDownLatch stopped = new CountDownLatch(1);
    Thread other =
        new Thread(
            () -> {
              stop.close();
              stopped.countDown();
            });
    other.start();
    try {
      Thread.sleep(60_000);
      ran.add("not interrupted");
    } catch (InterruptedException e) {
      ran.add("command interrupted");
    } finally {
      stop.close(); // the command's finally: waits for the stop under way
    }
    assertTrue(stopped.await(30, TimeUnit.SECONDS));
    assertEquals(List.of("workers", "command interrupted", "client"), ran);
  }
}
