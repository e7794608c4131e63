package io.cutflow.ingest.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class MissBarrierTest {
  private static final String REPARTITION = "app-by-job-id-repartition";
  private static final TopicPartition JOBS_0 = new TopicPartition("jobs", 0);
  private static final TopicPartition RESULTS_0 = new TopicPartition("results", 0);
  private static final TopicPartition REP_0 = new TopicPartition(REPARTITION, 0);

  private final FakeGroupOffsets offsets = new FakeGroupOffsets();
  private final ManualChecks checks = new ManualChecks();
  private final MissBarrier barrier =
      new MissBarrier(
          () -> new ReadUpTo(offsets, List.of("jobs", "results"), REPARTITION),
          checks,
          checks::nanoTime);

  private CompletableFuture<Optional<String>> miss() {
    CompletableFuture<Optional<String>> f = barrier.readUpToNow();
    checks.runDue();
    return f;
  }

  private void recheck() {
    checks.advanceMs(MissBarrier.RECHECK.toMillis());
  }

  @Test
  void withTheGroupCaughtUpAMissIsAnsweredAtOnce() {
    offsets.ends.put(JOBS_0, 10L);
    offsets.ends.put(REP_0, 4L);
    offsets.committed.put(JOBS_0, 10L);
    offsets.committed.put(REP_0, 4L);
    CompletableFuture<Optional<String>> f = miss();
    assertEquals(Optional.empty(), f.getNow(null));
    assertEquals(List.of(List.of("jobs", "results"), List.of(REPARTITION)), offsets.endsAsked);
    assertTrue(checks.none(), "nothing more is checked");
  }

  @Test
  void waitsForTheSourcesThenForTheRepartitionTopicAsTheyWereAtTheMiss() {
    offsets.ends.put(JOBS_0, 10L);
    offsets.ends.put(RESULTS_0, 3L);
    offsets.committed.put(JOBS_0, 8L); // a job accepted elsewhere a moment ago: not read yet
    offsets.committed.put(RESULTS_0, 3L);
    CompletableFuture<Optional<String>> f = miss();
    assertFalse(f.isDone(), "2 records of jobs still to read");

    offsets.ends.put(JOBS_0, 30L); // produced after the miss: not waited for
    offsets.committed.put(JOBS_0, 10L);
    offsets.ends.put(REP_0, 7L); // what the sources held is now on the repartition topic
    offsets.committed.put(REP_0, 5L);
    recheck();
    assertFalse(f.isDone(), "2 records of the repartition topic still to read");

    offsets.committed.put(REP_0, 7L);
    recheck();
    assertEquals(Optional.empty(), f.getNow(null));
  }

  @Test
  void givesUpAfterTheMaximumWaitWithWhatWasLeft() {
    offsets.ends.put(JOBS_0, 10L);
    offsets.committed.put(JOBS_0, 8L);
    CompletableFuture<Optional<String>> f = miss();
    checks.advanceMs(MissBarrier.MAX_WAIT.toMillis() - MissBarrier.RECHECK.toMillis());
    assertFalse(f.isDone());
    checks.advanceMs(MissBarrier.RECHECK.toMillis());
    Optional<String> left = f.getNow(null);
    assertEquals(Optional.of("2 record(s) on 1 partition(s) of jobs, results still to read"), left);
    assertTrue(checks.none(), "the checks stop");
  }

  @Test
  void anOffsetReadThatKeepsFailingIsReportedNotTakenForCaughtUp() {
    offsets.failure = new IllegalStateException("broker gone");
    CompletableFuture<Optional<String>> f = miss();
    assertFalse(f.isDone(), "retried, not answered");
    checks.advanceMs(MissBarrier.MAX_WAIT.toMillis());
    String left = f.getNow(null).orElseThrow();
    assertTrue(left.contains("cannot read") && left.contains("broker gone"), left);
  }

  @Test
  void missesDuringARoundShareTheNextWhichReadsTheEndsAfterThem() {
    offsets.ends.put(JOBS_0, 10L);
    offsets.committed.put(JOBS_0, 8L);
    CompletableFuture<Optional<String>> first = miss();

    offsets.ends.put(JOBS_0, 12L); // two more jobs queued, then two misses while the round runs
    CompletableFuture<Optional<String>> second = miss();
    CompletableFuture<Optional<String>> third = miss();
    assertSame(second, third, "the later misses wait for one round together");

    offsets.committed.put(JOBS_0, 10L);
    recheck();
    assertEquals(Optional.empty(), first.getNow(null), "read up to the first miss");
    assertFalse(second.isDone(), "the next round reads the ends after the later misses: 12");

    offsets.committed.put(JOBS_0, 12L);
    recheck();
    assertEquals(Optional.empty(), second.getNow(null));
    long sourceReads = offsets.endsAsked.stream().filter(t -> t.contains("jobs")).count();
    assertEquals(2, sourceReads, "three misses, two rounds");
  }
}
