package io.cutflow.ingest.status;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.TopicPartition;

/** Offsets as a test sets them; counts the reads and which topics' ends were asked for. */
final class FakeGroupOffsets implements GroupOffsets {
  final Map<TopicPartition, Long> ends = new HashMap<>();
  final Map<TopicPartition, Long> committed = new HashMap<>();
  final Map<TopicPartition, Long> starts = new HashMap<>();
  final List<Collection<String>> endsAsked = new ArrayList<>();
  int reads;
  RuntimeException failure;
  // when set, committed() signals {@code entered} and waits for {@code hold}: a slow broker
  CountDownLatch entered;
  CountDownLatch hold;

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
    if (hold != null) {
      entered.countDown();
      try {
        hold.await();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }
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
