package io.cutflow.worker.service;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Which offsets may be committed when records finish out of order.
 *
 * <p>Stages overlap, so record 7 can have its result published before record 5. Kafka commits a
 * position, not a set, so a partition's committable position is the first offset that has not
 * finished: committing past it would lose record 5 if this worker died now. The poll thread calls
 * {@link #track} and {@link #committable}; pipeline threads call {@link #complete}.
 */
public final class OffsetTracker {
  private final Map<TopicPartition, ConcurrentSkipListMap<Long, Boolean>> pending =
      new ConcurrentHashMap<>();
  private final Map<TopicPartition, Long> committed = new ConcurrentHashMap<>();

  /** A record was handed to the pipeline. */
  public void track(TopicPartition tp, long offset) {
    pending.computeIfAbsent(tp, k -> new ConcurrentSkipListMap<>()).put(offset, Boolean.FALSE);
  }

  /** A record's result (and dead letter, if any) is durably published. */
  public void complete(TopicPartition tp, long offset) {
    ConcurrentSkipListMap<Long, Boolean> offsets = pending.get(tp);
    if (offsets != null) {
      offsets.replace(offset, Boolean.TRUE);
    }
  }

  /**
   * Offsets to commit now (only partitions whose position moved since the last call), and forgets
   * the finished prefix of each.
   */
  public Map<TopicPartition, OffsetAndMetadata> committable() {
    return committable(pending.keySet());
  }

  /** As {@link #committable()}, for just these partitions (e.g. the ones being revoked). */
  public Map<TopicPartition, OffsetAndMetadata> committable(Collection<TopicPartition> partitions) {
    Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
    for (TopicPartition tp : java.util.List.copyOf(partitions)) {
      ConcurrentSkipListMap<Long, Boolean> offsets = pending.get(tp);
      if (offsets == null) {
        continue;
      }
      Long next = null;
      while (!offsets.isEmpty()) {
        Map.Entry<Long, Boolean> first = offsets.firstEntry();
        if (!first.getValue()) {
          break;
        }
        next = first.getKey() + 1;
        offsets.remove(first.getKey());
      }
      if (next != null && !next.equals(committed.get(tp))) {
        committed.put(tp, next);
        out.put(tp, new OffsetAndMetadata(next));
      }
    }
    return out;
  }

  /**
   * Whether any record handed out has not been committed yet: in flight, or finished but not yet
   * returned by {@link #committable}.
   */
  public boolean uncommitted() {
    for (ConcurrentSkipListMap<Long, Boolean> offsets : pending.values()) {
      if (!offsets.isEmpty()) {
        return true;
      }
    }
    return false;
  }

  /** Records handed out but not finished, across all partitions. */
  public int inFlight() {
    int n = 0;
    for (ConcurrentSkipListMap<Long, Boolean> offsets : pending.values()) {
      for (Boolean done : offsets.values()) {
        if (!done) {
          n++;
        }
      }
    }
    return n;
  }

  /** Records handed out but not finished on these partitions. */
  public int inFlight(Collection<TopicPartition> partitions) {
    int n = 0;
    for (TopicPartition tp : partitions) {
      ConcurrentSkipListMap<Long, Boolean> offsets = pending.get(tp);
      if (offsets != null) {
        for (Boolean done : offsets.values()) {
          if (!done) {
            n++;
          }
        }
      }
    }
    return n;
  }

  /** Partitions were revoked or lost: forget them; their unfinished records will be redelivered. */
  public void forget(Collection<TopicPartition> partitions) {
    for (TopicPartition tp : partitions) {
      pending.remove(tp);
      committed.remove(tp);
    }
  }

  /**
   * Whether {@code offset} on {@code tp} is still owned (not revoked) — completions of revoked work
   * are dropped.
   */
  public boolean owns(TopicPartition tp, long offset) {
    ConcurrentSkipListMap<Long, Boolean> offsets = pending.get(tp);
    return offsets != null && offsets.containsKey(offset);
  }
}
