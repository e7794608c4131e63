package io.cutflow.ingest.bucket;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * What bucket watchers have published: {@code bucket/key → eTag}, kept in a compacted topic (a
 * tombstone when the object is gone). Read from the beginning on start and caught up before every
 * scan, so a restarted watcher resumes where it was and two watchers mostly see each other's work
 * (a race between them leaves a duplicate event, which the bridge drops).
 */
final class WatchProgress {
  private final Consumer<String, String> consumer;
  private final String topic;
  private final Map<String, String> published = new HashMap<>();
  private boolean assigned;

  /** {@code consumer} without a group: it is assigned every partition of {@code topic}. */
  WatchProgress(Consumer<String, String> consumer, String topic) {
    this.consumer = consumer;
    this.topic = topic;
  }

  /** Reads the topic up to its current end. */
  void catchUp(Duration timeout) {
    if (!assigned) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
      List<TopicPartition> parts =
          infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      assigned = true;
    }
    Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment(), timeout);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!reached(end)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "could not read the watch progress topic "
                + topic
                + " to its end within "
                + timeout.toMillis()
                + " ms");
      }
      for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
        apply(r.key(), r.value());
      }
    }
  }

  private boolean reached(Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  /** What this watcher (or another) recorded; also what it just published itself. */
  void apply(String recordKey, String eTag) {
    if (recordKey == null) {
      return;
    }
    if (eTag == null) {
      published.remove(recordKey);
    } else {
      published.put(recordKey, eTag);
    }
  }

  String eTag(String recordKey) {
    return published.get(recordKey);
  }

  /** The keys under {@code bucket/prefix} recorded as published. */
  List<String> keysUnder(String bucketPrefix) {
    return published.keySet().stream().filter(k -> k.startsWith(bucketPrefix)).toList();
  }

  int size() {
    return published.size();
  }
}
