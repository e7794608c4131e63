package io.cutflow.ingest;

import io.cutflow.common.job.InvalidJobException;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobResult;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the results topic from "now" (positions taken before any job is published, so no result
 * can be missed) and hands every result to a callback, on its own thread. No consumer group: each
 * watcher reads every partition itself, so many clients can wait for their own jobs at once.
 */
public final class ResultWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ResultWatcher.class);

  /**
   * How long one poll waits. A result ends it at once and {@link #close} wakes it, so waiting
   * longer costs nothing, and saves turns of the loop: at 0.1 s they took 330 ms of the launcher's
   * CPU in a 68 s `bench` (8 ms per image), more than any other of its threads.
   */
  public static final Duration POLL = Duration.ofSeconds(5);

  private final KafkaConsumer<String, String> consumer;
  private final Thread thread;
  private volatile boolean running = true;

  public ResultWatcher(
      String bootstrapServers, String resultsTopic, JobCodec codec, Consumer<JobResult> onResult) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    // A result ends the broker's hold on a fetch at once; while none comes, one fetch per 5 s
    // instead of per 0.5 s: in `bench` the broker's CPU per image went from 38-42 to 35 ms
    p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "5000");
    this.consumer = new KafkaConsumer<>(p);
    try {
      List<TopicPartition> partitions =
          consumer.partitionsFor(resultsTopic, Duration.ofSeconds(30)).stream()
              .map(pi -> new TopicPartition(pi.topic(), pi.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToEnd(partitions);
      for (TopicPartition tp : partitions) {
        consumer.position(tp); // resolve "end" now, before the caller publishes anything
      }
    } catch (RuntimeException e) {
      consumer.close(); // a start that waits for Kafka makes another one
      throw e;
    }
    this.thread =
        new Thread(
            () -> {
              while (running) {
                try {
                  for (ConsumerRecord<String, String> r : consumer.poll(POLL)) {
                    try {
                      onResult.accept(codec.decodeResult(r.value()));
                    } catch (InvalidJobException e) {
                      log.atWarn()
                          .setMessage("unreadable result record skipped")
                          .addKeyValue("offset", r.offset())
                          .addKeyValue("error", e.getMessage())
                          .log();
                    }
                  }
                } catch (org.apache.kafka.common.errors.WakeupException e) {
                  // closing
                }
              }
              // Not the default close, which closes the fetch session with one more fetch that the
              // broker holds for fetch.max.wait.ms (0.5 s) when no record comes: this consumer
              // commits nothing, and the broker drops an unused session by itself.
              consumer.close(Duration.ZERO);
            },
            "result-watcher");
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
