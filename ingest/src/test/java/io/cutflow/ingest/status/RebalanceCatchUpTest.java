package io.cutflow.ingest.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RebalanceCatchUpTest {
  private static final String REPARTITION = "app-by-job-id-repartition";
  private static final TopicPartition JOBS_0 = new TopicPartition("jobs", 0);
  private static final TopicPartition JOBS_1 = new TopicPartition("jobs", 1);
  private static final TopicPartition RESULTS_0 = new TopicPartition("results", 0);
  private static final TopicPartition REP_0 = new TopicPartition(REPARTITION, 0);
  private static final TopicPartition REP_1 = new TopicPartition(REPARTITION, 1);

  private final FakeGroupOffsets offsets = new FakeGroupOffsets();
  private final ManualChecks checks = new ManualChecks();
  private final RebalanceCatchUp gate =
      new RebalanceCatchUp(
          () -> new ReadUpTo(offsets, List.of("jobs", "results"), REPARTITION),
          checks,
          checks::nanoTime);

  @AfterEach
  void releaseAHeldRead() {
    CountDownLatch hold = offsets.hold;
    if (hold != null) {
      hold.countDown(); // a failed test must not leave a thread waiting
    }
  }

  private void rebalance() {
    gate.rebalanced();
    checks.runDue();
  }

  @Test
  void beforeAnyRebalanceAMissingJobIsUnknown() {
    offsets.ends.put(JOBS_0, 5L);
    assertEquals(Optional.empty(), gate.pending());
    assertEquals(0, offsets.reads, "no offsets are read while no rebalance is pending");
    assertTrue(checks.none());
  }

  @Test
  void waitsForTheSourcesThenForTheRepartitionTopicThenOpens() {
    offsets.ends.put(JOBS_0, 10L);
    offsets.ends.put(JOBS_1, 4L);
    offsets.ends.put(RESULTS_0, 7L);
    offsets.ends.put(REP_0, 20L);
    offsets.committed.put(JOBS_0, 8L); // JOBS_1 never committed: all 4 records still to read
    offsets.committed.put(RESULTS_0, 7L);
    offsets.committed.put(REP_0, 20L);
    rebalance();

    Optional<String> sources = gate.pending();
    assertTrue(sources.isPresent());
    assertTrue(
        sources.get().contains("6 record(s) on 2 partition(s) of jobs, results"), sources.get());
    assertEquals(List.of(List.of("jobs", "results")), offsets.endsAsked);

    // the sources are read, and what they held has been written to the repartition topic
    offsets.committed.put(JOBS_0, 10L);
    offsets.committed.put(JOBS_1, 4L);
    offsets.ends.put(REP_0, 23L);
    offsets.ends.put(REP_1, 2L);
    checks.advanceMs(RebalanceCatchUp.RECHECK.toMillis());
    Optional<String> repartition = gate.pending();
    assertTrue(repartition.isPresent(), "the repartition topic's new records are not read yet");
    assertTrue(
        repartition.get().contains("5 record(s) on 2 partition(s) of " + REPARTITION),
        repartition.get());
    assertEquals(List.of(REPARTITION), offsets.endsAsked.get(1));

    offsets.committed.put(REP_0, 23L);
    offsets.committed.put(REP_1, 2L);
    checks.advanceMs(RebalanceCatchUp.RECHECK.toMillis());
    assertEquals(Optional.empty(), gate.pending());

    // open until the next rebalance, with no more checks
    assertTrue(checks.none(), "no check is scheduled once the group has caught up");
    int reads = offsets.reads;
    offsets.ends.put(JOBS_0, 50L);
    checks.advanceMs(300);
    assertEquals(Optional.empty(), gate.pending());
    assertEquals(reads, offsets.reads);
  }

  @Test
  void theSourcesAreReadUpToTheirEndsAtTheRebalanceNotAtTheLookup() {
    offsets.ends.put(JOBS_0, 10L);
    offsets.committed.put(JOBS_0, 10L);
    rebalance();
    // new jobs arrive before the first lookup of a missing one; their offsets are not committed yet
    offsets.ends.put(JOBS_0, 14L);
    offsets.ends.put(RESULTS_0, 3L);
    assertEquals(Optional.empty(), gate.pending(), "only what was there at the rebalance counts");
  }

  @Test
  void recordsArrivingWhileTheGroupCatchesUpDoNotKeepTheGateShut() {
    offsets.ends.put(JOBS_0, 10L);
    offsets.committed.put(JOBS_0, 3L);
    rebalance();
    assertTrue(gate.pending().isPresent());
    offsets.ends.put(JOBS_0, 40L);
    offsets.committed.put(JOBS_0, 10L);
    checks.advanceMs(RebalanceCatchUp.RECHECK.toMillis());
    assertEquals(Optional.empty(), gate.pending());
  }

  @Test
  void aPartitionNeverCommittedCountsFromItsFirstRecordStillThere() {
    offsets.ends.put(JOBS_0, 500L);
    offsets.ends.put(JOBS_1, 900L);
    offsets.committed.put(JOBS_0, 500L);
    offsets.starts.put(JOBS_1, 900L); // retention deleted all of it: nothing to read
    rebalance();
    assertEquals(Optional.empty(), gate.pending());

    offsets.starts.put(JOBS_1, 880L);
    rebalance();
    Optional<String> reason = gate.pending();
    assertTrue(reason.isPresent());
    assertTrue(reason.get().contains("20 record(s) on 1 partition(s)"), reason.get());
  }

  @Test
  void lookupsReadNoOffsetsTheChecksDoEveryRecheckInterval() {
    offsets.ends.put(JOBS_0, 10L);
    rebalance();
    int reads = offsets.reads;
    for (int i = 0; i < 20; i++) {
      assertTrue(gate.pending().isPresent());
    }
    assertEquals(reads, offsets.reads, "lookups only read the last answer");
    checks.advanceMs(RebalanceCatchUp.RECHECK.toMillis() - 1);
    assertEquals(reads, offsets.reads, "the next check is not due yet");
    checks.advanceMs(1);
    assertTrue(offsets.reads > reads);
  }

  @Test
  void givesUpAfterTheMaximumWaitHoweverFarTheGroupLags() {
    offsets.ends.put(JOBS_0, 10L);
    rebalance();
    assertTrue(gate.pending().isPresent());
    checks.advanceMs(RebalanceCatchUp.MAX_WAIT.toMillis() - 1);
    assertTrue(gate.pending().isPresent());
    checks.advanceMs(RebalanceCatchUp.RECHECK.toMillis());
    assertEquals(Optional.empty(), gate.pending());
    assertTrue(checks.none(), "the checks stop too");
  }

  @Test
  void offsetsThatCannotBeReadKeepTheGateShutUntilTheMaximumWait() {
    offsets.failure = new IllegalStateException("broker down");
    rebalance();
    Optional<String> reason = gate.pending();
    assertTrue(reason.isPresent());
    assertTrue(reason.get().contains("broker down"), reason.get());
    // the broker comes back: the ends taken then are the targets
    offsets.failure = null;
    offsets.ends.put(JOBS_0, 10L);
    offsets.committed.put(JOBS_0, 7L);
    checks.advanceMs(RebalanceCatchUp.RECHECK.toMillis());
    reason = gate.pending();
    assertTrue(reason.isPresent() && reason.get().contains("3 record(s)"), reason.toString());
    offsets.failure = new IllegalStateException("broker down");
    checks.advanceMs(RebalanceCatchUp.MAX_WAIT.toMillis() + 1);
    assertEquals(Optional.empty(), gate.pending());
  }

  @Test
  void aNewRebalanceShutsTheGateAgainWithNewTargets() {
    offsets.ends.put(JOBS_0, 10L);
    offsets.committed.put(JOBS_0, 10L);
    rebalance();
    assertEquals(Optional.empty(), gate.pending());
    offsets.ends.put(JOBS_0, 12L);
    checks.advanceMs(10);
    rebalance();
    Optional<String> reason = gate.pending();
    assertTrue(reason.isPresent());
    assertTrue(reason.get().contains("2 record(s) on 1 partition(s) of jobs"), reason.get());
  }

  /**
   * Rebalances with the group caught up and runs the first check on another thread; returns once
   * that check is inside its (held) read of the committed offsets.
   */
  private CompletableFuture<Void> caughtUpCheckHeldOnAnotherThread() throws InterruptedException {
    offsets.ends.put(JOBS_0, 10L);
    offsets.committed.put(JOBS_0, 10L);
    gate.rebalanced();
    offsets.entered = new CountDownLatch(1);
    offsets.hold = new CountDownLatch(1);
    Runnable check = checks.takeDue();
    assertTrue(check != null, "a check is due");
    CompletableFuture<Void> held = CompletableFuture.runAsync(check);
    assertTrue(offsets.entered.await(5, TimeUnit.SECONDS), "the check did not start");
    return held;
  }

  @Test
  void lookupsDuringASlowOffsetReadAnswerAtOnce() throws Exception {
    CompletableFuture<Void> held = caughtUpCheckHeldOnAnotherThread();
    Optional<String> meanwhile =
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> gate.pending());
    assertEquals(Optional.of(RebalanceCatchUp.CHECKING), meanwhile);

    offsets.hold.countDown();
    held.get(5, TimeUnit.SECONDS);
    assertEquals(Optional.empty(), gate.pending(), "the held check saw the group caught up");
  }

  @Test
  void aCheckStartedBeforeARebalanceDoesNotOpenTheGateAfterIt() throws Exception {
    CompletableFuture<Void> held = caughtUpCheckHeldOnAnotherThread();
    assertTimeoutPreemptively(
        Duration.ofSeconds(5), gate::rebalanced, "a rebalance waits for no offset read");
    offsets.hold.countDown();
    held.get(5, TimeUnit.SECONDS);
    assertEquals(
        Optional.of(RebalanceCatchUp.CHECKING),
        gate.pending(),
        "the check of the previous rebalance is dropped");
    offsets.hold = null;
    checks.runDue();
    assertEquals(Optional.empty(), gate.pending(), "the new rebalance's own check opens it");
  }
}
