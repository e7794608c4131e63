package io.cutflow.ingest.status;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The offsets that tell how far the job-status application has read its input topics, for its whole
 * consumer group (every instance): the topics' end offsets against the group's committed offsets.
 * Committed offsets trail processing by at most one commit interval, so what is measured with them
 * is late, never early.
 */
interface GroupOffsets {
  /** The end (next) offset of every partition of {@code topics}. */
  Map<TopicPartition, Long> ends(Collection<String> topics) throws Exception;

  /** The group's committed offsets; a partition it never committed is absent. */
  Map<TopicPartition, Long> committed() throws Exception;

  /** The first offset still in each of {@code partitions} (retention may have deleted some). */
  Map<TopicPartition, Long> starts(Collection<TopicPartition> partitions) throws Exception;

  /** What the group has still to read before its committed offsets reach {@code until}. */
  record Backlog(long records, int partitions) {
    boolean none() {
      return records == 0;
    }

    String describe(String topics) {
      return records
          + " record(s) on "
          + partitions
          + " partition(s) of "
          + topics
          + " still to read";
    }
  }

  /** The group's backlog now, up to {@code until}. */
  default Backlog backlog(Map<TopicPartition, Long> until) throws Exception {
    Map<TopicPartition, Long> committedNow = committed();
    // a partition the group never committed is read from its start, which is not 0 once retention
    // has deleted records; without this, an emptied partition would look unread for ever
    List<TopicPartition> uncommitted = new ArrayList<>();
    until.forEach(
        (tp, end) -> {
          if (end > 0 && !committedNow.containsKey(tp)) {
            uncommitted.add(tp);
          }
        });
    Map<TopicPartition, Long> committed = new HashMap<>(committedNow);
    if (!uncommitted.isEmpty()) {
      committed.putAll(starts(uncommitted));
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
    return new Backlog(records, partitions);
  }

  /** Offsets read with {@code admin} for the consumer group {@code groupId}. */
  static GroupOffsets overAdmin(Admin admin, String groupId) {
    long timeoutMs = 2_000;
    return new GroupOffsets() {
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
}
