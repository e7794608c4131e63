package io.cutflow.worker.service;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class StallDetectorTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final AtomicInteger inFlight = new AtomicInteger();
  private final StallDetector stall =
      new StallDetector(Duration.ofSeconds(120), inFlight::get, now::get);

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  @Test
  void idleIsNeverStalled() {
    advance(Duration.ofHours(5));
    assertNull(stall.stalledReason());
  }

  @Test
  void recordsHeldWithNoStageCompletingPastTheTimeoutIsStalledWithTheReason() {
    inFlight.set(1);
    stall.arrived(); // the first record of an idle pipeline starts the clock
    advance(Duration.ofSeconds(120));
    assertNull(stall.stalledReason(), "at the timeout, not yet");
    advance(Duration.ofSeconds(1));
    String reason = stall.stalledReason();
    assertNotNull(reason);
    assertTrue(reason.startsWith("stalled: 1 record(s) in flight"), reason);
    assertTrue(reason.contains("for 121 s"), reason);
    assertTrue(reason.contains("cutflow.worker.stall-timeout-ms (120000 ms)"), reason);
  }

  @Test
  void anyStageCompletingResetsTheClock() {
    inFlight.set(3);
    stall.arrived();
    advance(Duration.ofSeconds(100));
    stall.progress();
    advance(Duration.ofSeconds(100));
    assertNull(stall.stalledReason(), "100 s since the last completion");
    advance(Duration.ofSeconds(21));
    assertNotNull(stall.stalledReason());
    stall.progress();
    assertNull(stall.stalledReason(), "progress again: ready again");
  }

  @Test
  void timeSpentIdleBeforeARecordArrivesIsNotAStall() {
    advance(Duration.ofMinutes(30)); // idle since construction
    inFlight.set(1);
    stall.arrived();
    assertNull(stall.stalledReason());
    advance(Duration.ofSeconds(121));
    assertNotNull(stall.stalledReason());
  }

  @Test
  void moreArrivalsDoNotHideAStuckRecord() {
    inFlight.set(1);
    stall.arrived();
    advance(Duration.ofSeconds(90));
    inFlight.set(2); // a second record arrives while the first is stuck
    stall.arrived();
    advance(Duration.ofSeconds(31));
    assertNotNull(stall.stalledReason(), "121 s without a completion, whatever arrived");
  }

  @Test
  void whenTheLastRecordIsDoneTheWorkerIsReadyAgain() {
    inFlight.set(2);
    stall.arrived();
    advance(Duration.ofMinutes(10));
    assertNotNull(stall.stalledReason());
    inFlight.set(0);
    assertNull(stall.stalledReason());
  }
}
