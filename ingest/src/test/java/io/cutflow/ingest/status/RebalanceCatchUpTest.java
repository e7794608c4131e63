package io.cutflow.ingest.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class RebalanceCatchUpTest {
  private static final String REPARTITION = "app-by-job-id-repartition";
  private static final TopicPartition JOBS_0 = new TopicPartition("jobs", 0);
  private static final TopicPartition JOBS_1 = new TopicPartition("jobs", 1);
  private static final TopicPartition RESULTS_0 = new TopicPartition("results", 0);
  private static final TopicPartition REP_0 = new TopicPartition(REPARTITION, 0);
  private static final TopicPartition REP_1 = new TopicPartition(REPARTITION, 1);

  /** Offsets as a test sets them; counts the reads and which topics' ends were asked for. */
  private static final class FakeOffsets implements RebalanceCatchUp.Offsets {
    final Map<TopicPartition, Long> ends = new HashMap<>();
    final Map<TopicPartition, Long> committed = new HashMap<>();
    final Map<TopicPartition, Long> starts = new HashMap<>();
    final List<Collection<String>> endsAsked = new ArrayList<>();
    int reads;
    RuntimeException failure;

    @Override
    public Map<TopicPartition, Long> ends(Collection<String> topics) {
      reads++;
      if (failure != null) {
        throw failure;
      }
      endsAsked.add(List.copyOf(topics));
      Map<TopicPartition, Long> out = new HashMap<>();
      ends.forEach(
          (tp, o) -> {
            if (topics.contains(tp.topic())) {
              out.put(tp, o);
            }
          });
      return out;
    }

    @Override
    public Map<TopicPartition, Long> committed() {
      reads++;
      if (failure != null) {
        throw failure;
      }
      return Map.copyOf(committed);
    }

    @Override
    public Map<TopicPartition, Long> starts(Collection<TopicPartition> partitions) {
      reads++;
      Map<TopicPartition, Long> out = new HashMap<>();
      partitions.forEach(tp -> out.put(tp, starts.getOrDefault(tp, 0L)));
      return out;
    }
  }

  private final FakeOffsets offsets = new FakeOffsets();
  private long now = 1_000_000_000L;
  private final RebalanceCatchUp gate =
      new RebalanceCatchUp(offsets, List.of("jobs", "results"), REPARTITION, () -> now);

  private void advanceMs(long ms) {
    now += ms * 1_000_000L;
  }

  @Test
  void beforeAnyRebalanceAMissingJobIsUnknown() {
    offsets.ends.put(JOBS_0, 5L);
    assertEquals(Optional.empty(), gate.pending());
    assertEquals(0, offsets.reads, "no offsets are read while no rebalance is pending");
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
    gate.rebalanced();

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
    advanceMs(300);
    Optional<String> repartition = gate.pending();
    assertTrue(repartition.isPresent(), "the repartition topic's new records are not read yet");
    assertTrue(
        repartition.get().contains("5 record(s) on 2 partition(s) of " + REPARTITION),
        repartition.get());
    assertEquals(List.of(REPARTITION), offsets.endsAsked.get(1));

    offsets.committed.put(REP_0, 23L);
    offsets.committed.put(REP_1, 2L);
    advanceMs(300);
    assertEquals(Optional.empty(), gate.pending());

    // open until the next rebalance, without reading offsets again
    int reads = offsets.reads;
    offsets.ends.put(JOBS_0, 50L);
    advanceMs(300);
    assertEquals(Optional.empty(), gate.pending());
    assertEquals(reads, offsets.reads);
  }

  @Test
  void theSourceTargetsAreTakenOnceSoNewRecordsDoNotKeepTheGateShut() {
    offsets.ends.put(JOBS_0, 10L);
    offsets.committed.put(JOBS_0, 3L);
    gate.rebalanced();
    assertTrue(gate.pending().isPresent());
    // records keep coming after the rebalance; the group reads up to where the jobs topic ended
    offsets.ends.put(JOBS_0, 40L);
    offsets.committed.put(JOBS_0, 10L);
    advanceMs(300);
    assertEquals(Optional.empty(), gate.pending());
  }

  @Test
  void aPartitionNeverCommittedCountsFromItsFirstRecordStillThere() {
    offsets.ends.put(JOBS_0, 500L);
    offsets.ends.put(JOBS_1, 900L);
    offsets.committed.put(JOBS_0, 500L);
    offsets.starts.put(JOBS_1, 900L); // retention deleted all of it: nothing to read
    gate.rebalanced();
    assertEquals(Optional.empty(), gate.pending());

    offsets.starts.put(JOBS_1, 880L);
    gate.rebalanced();
    Optional<String> reason = gate.pending();
    assertTrue(reason.isPresent());
    assertTrue(reason.get().contains("20 record(s) on 1 partition(s)"), reason.get());
  }

  @Test
  void readsOffsetsAtMostOncePerRecheckInterval() {
    offsets.ends.put(JOBS_0, 10L);
    gate.rebalanced();
    assertTrue(gate.pending().isPresent());
    int reads = offsets.reads;
    for (int i = 0; i < 20; i++) {
      assertTrue(gate.pending().isPresent());
    }
    assertEquals(reads, offsets.reads, "lookups within the recheck interval share one read");
    advanceMs(RebalanceCatchUp.RECHECK.toMillis() + 1);
    gate.pending();
    assertTrue(offsets.reads > reads);
  }

  @Test
  void givesUpAfterTheMaximumWaitHoweverFarTheGroupLags() {
    offsets.ends.put(JOBS_0, 10L);
    gate.rebalanced();
    assertTrue(gate.pending().isPresent());
    advanceMs(RebalanceCatchUp.MAX_WAIT.toMillis() - 1);
    assertTrue(gate.pending().isPresent());
    advanceMs(2);
    assertEquals(Optional.empty(), gate.pending());
  }

  @Test
  void offsetsThatCannotBeReadKeepTheGateShutUntilTheMaximumWait() {
    offsets.failure = new IllegalStateException("broker down");
    gate.rebalanced();
    Optional<String> reason = gate.pending();
    assertTrue(reason.isPresent());
    assertTrue(reason.get().contains("broker down"), reason.get());
    advanceMs(RebalanceCatchUp.MAX_WAIT.toMillis() + 1);
    assertEquals(Optional.empty(), gate.pending());
  }

  @Test
  void aNewRebalanceShutsTheGateAgainWithNewTargets() {
    offsets.ends.put(JOBS_0, 10L);
    offsets.committed.put(JOBS_0, 10L);
    gate.rebalanced();
    assertEquals(Optional.empty(), gate.pending());
    offsets.ends.put(JOBS_0, 12L);
    advanceMs(10);
    gate.rebalanced();
    Optional<String> reason = gate.pending();
    assertTrue(reason.isPresent());
    assertTrue(reason.get().contains("2 record(s) on 1 partition(s) of jobs"), reason.get());
  }
}
