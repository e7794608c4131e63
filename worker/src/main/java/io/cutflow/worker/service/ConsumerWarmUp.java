package io.cutflow.worker.service;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects before joining: fetches the jobs topic's metadata, finds the group coordinator and reads
 * the group's committed offsets — without joining the group, so a warm standby can do it while its
 * predecessor still owns the partitions — and, with {@code reader} (a consumer of no group), reads
 * the newest record of each partition once, so the fetch path's code is loaded too. After GO the
 * join then runs on open connections and loaded code: in a fresh JVM the first poll otherwise
 * spends hundreds of milliseconds on class loading and lookups, all of it inside the handover gap.
 * Best effort; nothing is committed or processed. Called by {@link WorkerConnections}.
 */
final class ConsumerWarmUp {
  // The worker's logger, so log lines and logger settings stay as they were before the split.
  private static final Logger log = LoggerFactory.getLogger(CutoutWorker.class);

  private ConsumerWarmUp() {}

  static void connect(
      Consumer<String, String> consumer,
      Consumer<String, String> reader,
      String topic,
      String workerId,
      Duration timeout) {
    long t0 = System.nanoTime();
    try {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic, timeout).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.committed(Set.copyOf(partitions), timeout);
      int read = 0;
      if (reader != null) {
        reader.assign(partitions);
        Map<TopicPartition, Long> ends = reader.endOffsets(partitions, timeout);
        ends.forEach((tp, end) -> reader.seek(tp, Math.max(0, end - 1)));
        if (ends.values().stream().anyMatch(end -> end > 0)) {
          long deadline = System.nanoTime() + timeout.toNanos();
          while (read == 0 && System.nanoTime() < deadline) {
            read = reader.poll(Duration.ofMillis(100)).count();
          }
        }
      }
      log.atInfo()
          .setMessage("consumer connected")
          .addKeyValue("worker", workerId)
          .addKeyValue("partitions", partitions.size())
          .addKeyValue("records_read", read)
          .addKeyValue("ms", (System.nanoTime() - t0) / 1_000_000)
          .log();
    } catch (RuntimeException e) {
      log.atWarn()
          .setMessage("could not connect ahead of joining; the join will do it")
          .addKeyValue("worker", workerId)
          .addKeyValue("error", e.toString())
          .log();
    }
  }
}
