package io.cutflow.ingest.status;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a job missing from the status store may still be on its way to it. After a rebalance of
 * the job-status application (an instance stopped, started or came back), the records that were on
 * its input topics at that moment may not have reached the store yet: a job accepted by an instance
 * that then stopped waits in the jobs topic, then in the repartition topic, until its new owner
 * reads it. Until then the owner must answer "retry" (503), not "unknown job" (404).
 *
 * <p>Measured for the whole application, not this instance alone (the job's request may be read by
 * another instance and reach this one through the repartition topic): the consumer group's
 * committed offsets against the topics' end offsets, in two steps, since the repartition topic
 * fills as the sources are read. First the source topics (jobs, results) up to their ends at the
 * rebalance, then the repartition topic up to its end once they are read. Committed offsets trail
 * processing by at most one commit interval, so the gate opens that much late, never early.
 *
 * <p>The offsets are read in the background from the rebalance on, every {@link #RECHECK} until the
 * group has caught up; a lookup only reads the last answer, so lookups never wait on a broker and
 * records produced after the rebalance (new traffic, not backlog) do not keep the gate shut.
 * Bounded: {@link #MAX_WAIT} after the rebalance a missing job is unknown again, however far the
 * group lags, so a stuck group cannot make every lookup of a wrong id a 503 for ever.
 */
final class RebalanceCatchUp {
  private static final Logger log = LoggerFactory.getLogger(RebalanceCatchUp.class);

  static final Duration MAX_WAIT = Duration.ofSeconds(60);
  static final Duration RECHECK = Duration.ofMillis(250);

  static final String CHECKING =
      "the job-status application is catching up after a rebalance; its offsets are being read";

  /** The two offsets the gate compares, for the application's consumer group. */
  interface Offsets {
    /** The end (next) offset of every partition of {@code topics}. */
    Map<TopicPartition, Long> ends(Collection<String> topics) throws Exception;

    /** The group's committed offsets; a partition it never committed is absent. */
    Map<TopicPartition, Long> committed() throws Exception;

    /** The first offset still in each of {@code partitions} (retention may have deleted some). */
    Map<TopicPartition, Long> starts(Collection<TopicPartition> partitions) throws Exception;
  }

  /** Runs the gate's checks off the caller's thread: {@code task} after {@code delay}. */
  interface Scheduler {
    void schedule(Runnable task, Duration delay);

    /** On {@code executor}; once it is shut down (the service closing), nothing more runs. */
    static Scheduler on(ScheduledExecutorService executor) {
      return (task, delay) -> {
        try {
          executor.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
          // no more checks
        }
      };
    }
  }

  private enum Step {
    SOURCES,
    REPARTITION
  }

  private final Offsets offsets;
  private final List<String> sources;
  private final String repartition;
  private final Scheduler scheduler;
  private final LongSupplier nanoClock;

  // guarded by this; a check reads the offsets outside the lock and applies its answer only if no
  // rebalance came in between (generation)
  private Step step;
  private long armedAt;
  private Map<TopicPartition, Long> targets;
  private String reason;
  private long generation;

  RebalanceCatchUp(
      Offsets offsets,
      List<String> sources,
      String repartition,
      Scheduler scheduler,
      LongSupplier nanoClock) {
    this.offsets = offsets;
    this.sources = List.copyOf(sources);
    this.repartition = repartition;
    this.scheduler = scheduler;
    this.nanoClock = nanoClock;
  }

  /** Offsets read with {@code admin} for the consumer group {@code groupId}. */
  static Offsets overAdmin(Admin admin, String groupId) {
    long timeoutMs = 2_000;
    return new Offsets() {
      @Override
      public Map<TopicPartition, Long> ends(Collection<String> topics) throws Exception {
        Map<String, TopicDescription> described =
            admin.describeTopics(topics).allTopicNames().get(timeoutMs, TimeUnit.MILLISECONDS);
        List<TopicPartition> partitions = new ArrayList<>();
        described.forEach(
            (topic, d) ->
                d.partitions()
                    .forEach(p -> partitions.add(new TopicPartition(topic, p.partition()))));
        return offsets(partitions, OffsetSpec.latest());
      }

      @Override
      public Map<TopicPartition, Long> starts(Collection<TopicPartition> partitions)
          throws Exception {
        return offsets(partitions, OffsetSpec.earliest());
      }

      private Map<TopicPartition, Long> offsets(
          Collection<TopicPartition> partitions, OffsetSpec spec) throws Exception {
        Map<TopicPartition, OffsetSpec> asked = new HashMap<>();
        partitions.forEach(tp -> asked.put(tp, spec));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> found =
            admin.listOffsets(asked).all().get(timeoutMs, TimeUnit.MILLISECONDS);
        Map<TopicPartition, Long> out = new HashMap<>();
        found.forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
      }

      @Override
      public Map<TopicPartition, Long> committed() throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed =
            admin
                .listConsumerGroupOffsets(groupId)
                .partitionsToOffsetAndMetadata()
                .get(timeoutMs, TimeUnit.MILLISECONDS);
        Map<TopicPartition, Long> out = new HashMap<>();
        committed.forEach(
            (tp, om) -> {
              if (om != null) {
                out.put(tp, om.offset());
              }
            });
        return out;
      }
    };
  }

  /**
   * A rebalance started or ended: what was on the inputs until now may not be in the store yet.
   * Starts checking at once, so the sources' targets are their ends now.
   */
  void rebalanced() {
    long gen;
    synchronized (this) {
      step = Step.SOURCES;
      armedAt = nanoClock.getAsLong();
      targets = null;
      reason = null;
      gen = ++generation;
    }
    scheduler.schedule(() -> check(gen), Duration.ZERO);
  }

  /**
   * Why a job missing from the store may still arrive (the application is still reading what was on
   * its inputs at the last rebalance), or empty when a missing job is unknown. Reads no offsets.
   */
  synchronized Optional<String> pending() {
    if (step == null || expired()) {
      return Optional.empty();
    }
    return Optional.of(reason != null ? reason : CHECKING);
  }

  private boolean expired() {
    return nanoClock.getAsLong() - armedAt > MAX_WAIT.toNanos();
  }

  /** One background check of generation {@code gen}; schedules the next while still behind. */
  private void check(long gen) {
    Step s;
    Map<TopicPartition, Long> t;
    synchronized (this) {
      if (gen != generation || step == null) {
        return; // a newer rebalance has its own checks
      }
      if (expired()) {
        log.atWarn()
            .setMessage("job-status application still catching up after a rebalance; giving up")
            .addKeyValue("waited_s", MAX_WAIT.toSeconds())
            .addKeyValue("last", reason)
            .log();
        step = null;
        return;
      }
      s = step;
      t = targets;
    }
    String left;
    try {
      if (s == Step.SOURCES) {
        if (t == null) {
          t = offsets.ends(sources);
        }
        left = backlog(s, t, offsets.committed());
        if (left == null) {
          // everything read from the sources has been written to the repartition topic (Streams
          // flushes its producer before committing the input offsets)
          Map<TopicPartition, Long> repartitionEnds = offsets.ends(List.of(repartition));
          s = Step.REPARTITION;
          t = repartitionEnds;
          left = backlog(s, t, offsets.committed());
        }
      } else {
        left = backlog(s, t, offsets.committed());
      }
    } catch (Exception e) {
      left = "cannot read the job-status application's offsets: " + e;
    }
    synchronized (this) {
      if (gen != generation) {
        return;
      }
      step = left == null ? null : s;
      targets = t;
      reason = left;
    }
    if (left != null) {
      scheduler.schedule(() -> check(gen), RECHECK);
    } else {
      log.atInfo()
          .setMessage("job-status application caught up after a rebalance")
          .addKeyValue("ms", (nanoClock.getAsLong() - armedAt) / 1_000_000)
          .log();
    }
  }

  private String backlog(
      Step s, Map<TopicPartition, Long> until, Map<TopicPartition, Long> committedNow)
      throws Exception {
    // a partition the group never committed is read from its start, which is not 0 once retention
    // has deleted records; without this, an emptied partition would keep the gate shut
    List<TopicPartition> uncommitted = new ArrayList<>();
    until.forEach(
        (tp, end) -> {
          if (end > 0 && !committedNow.containsKey(tp)) {
            uncommitted.add(tp);
          }
        });
    Map<TopicPartition, Long> committed = new HashMap<>(committedNow);
    if (!uncommitted.isEmpty()) {
      committed.putAll(offsets.starts(uncommitted));
    }
    long records = 0;
    int partitions = 0;
    for (Map.Entry<TopicPartition, Long> e : until.entrySet()) {
      long behind = e.getValue() - committed.getOrDefault(e.getKey(), 0L);
      if (behind > 0) {
        records += behind;
        partitions++;
      }
    }
    if (records == 0) {
      return null;
    }
    String topics = s == Step.SOURCES ? String.join(", ", sources) : repartition;
    return "the job-status application is catching up after a rebalance: "
        + records
        + " record(s) on "
        + partitions
        + " partition(s) of "
        + topics
        + " still to read";
  }
}
