package io.cutflow.ingest.status;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * fills as the sources are read. First the source topics (jobs, results) up to their ends when
 * first checked after the rebalance, then the repartition topic up to its end once they are read.
 * Committed offsets trail processing by at most one commit interval, so the gate opens that much
 * late, never early.
 *
 * <p>Bounded: {@link #MAX_WAIT} after the rebalance a missing job is unknown again, however far the
 * group lags, so a stuck group cannot make every lookup of a wrong id a 503 for ever. The offsets
 * are read again at most every {@link #RECHECK} however many lookups miss.
 */
final class RebalanceCatchUp {
  private static final Logger log = LoggerFactory.getLogger(RebalanceCatchUp.class);

  static final Duration MAX_WAIT = Duration.ofSeconds(60);
  static final Duration RECHECK = Duration.ofMillis(250);

  /** The two offsets the gate compares, for the application's consumer group. */
  interface Offsets {
    /** The end (next) offset of every partition of {@code topics}. */
    Map<TopicPartition, Long> ends(Collection<String> topics) throws Exception;

    /** The group's committed offsets; a partition it never committed is absent. */
    Map<TopicPartition, Long> committed() throws Exception;

    /** The first offset still in each of {@code partitions} (retention may have deleted some). */
    Map<TopicPartition, Long> starts(Collection<TopicPartition> partitions) throws Exception;
  }

  private enum Step {
    SOURCES,
    REPARTITION
  }

  /** Where one check left the gate: its step, that step's targets, and the backlog (null: none). */
  private record Progress(Step step, Map<TopicPartition, Long> targets, String reason) {}

  static final String CHECKING =
      "the job-status application is catching up after a rebalance; its offsets are being read";

  private final Offsets offsets;
  private final List<String> sources;
  private final String repartition;
  private final LongSupplier nanoClock;

  // guarded by this; the offsets are read outside the lock (each read may wait seconds for a broker
  // that is down), so lookups meanwhile get the last answer instead of queueing behind the read
  private Step step;
  private long armedAt;
  private Map<TopicPartition, Long> targets;
  private long checkedAt;
  private String reason;
  private boolean checking;
  private long generation;

  RebalanceCatchUp(
      Offsets offsets, List<String> sources, String repartition, LongSupplier nanoClock) {
    this.offsets = offsets;
    this.sources = List.copyOf(sources);
    this.repartition = repartition;
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

  /** A rebalance started or ended: what was on the inputs until now may not be in the store yet. */
  synchronized void rebalanced() {
    step = Step.SOURCES;
    armedAt = nanoClock.getAsLong();
    targets = null;
    checkedAt = Long.MIN_VALUE;
    reason = null;
    checking = false; // a check still running belongs to the previous generation and is dropped
    generation++;
  }

  /**
   * Why a job missing from the store may still arrive (the application is still reading what was on
   * its inputs at the last rebalance), or empty when a missing job is unknown. While one caller
   * reads the offsets, the others get the last answer at once.
   */
  Optional<String> pending() {
    long gen;
    Progress from;
    synchronized (this) {
      if (step == null) {
        return Optional.empty();
      }
      long now = nanoClock.getAsLong();
      if (now - armedAt > MAX_WAIT.toNanos()) {
        log.atWarn()
            .setMessage("job-status application still catching up after a rebalance; giving up")
            .addKeyValue("waited_s", MAX_WAIT.toSeconds())
            .addKeyValue("last", reason)
            .log();
        step = null;
        return Optional.empty();
      }
      if (checking || (reason != null && now - checkedAt < RECHECK.toNanos())) {
        return Optional.of(reason != null ? reason : CHECKING);
      }
      checking = true;
      checkedAt = now;
      gen = generation;
      from = new Progress(step, targets, reason);
    }
    Progress to;
    try {
      to = check(from);
    } catch (Exception e) {
      to =
          new Progress(
              from.step(),
              from.targets(),
              "cannot read the job-status application's offsets: " + e);
    }
    synchronized (this) {
      if (gen == generation) {
        checking = false;
        step = to.reason() == null ? null : to.step();
        targets = to.targets();
        reason = to.reason();
      }
      return step == null ? Optional.empty() : Optional.of(reason != null ? reason : CHECKING);
    }
  }

  /** Advances through the steps from {@code at}; the remaining backlog is null once all is read. */
  private Progress check(Progress at) throws Exception {
    Step s = at.step();
    Map<TopicPartition, Long> t = at.targets();
    if (s == Step.SOURCES) {
      if (t == null) {
        t = offsets.ends(sources);
      }
      String left = backlog(s, t, offsets.committed());
      if (left != null) {
        return new Progress(s, t, left);
      }
      // everything read from the sources has been written to the repartition topic (Streams
      // flushes its producer before committing the input offsets)
      s = Step.REPARTITION;
      t = offsets.ends(List.of(repartition));
    }
    return new Progress(s, t, backlog(s, t, offsets.committed()));
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
