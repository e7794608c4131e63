package io.cutflow.worker.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.kafka.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * How long the run loop's polls wait: a second while the worker has nothing to do (each turn of the
 * loop costs CPU, and records or a stop end a poll at once), 100 ms while a record is in flight or
 * not yet committed (its commit and the next dispatch wait on the poll).
 */
class PollWaitTest {

  /** A MockConsumer (whose polls return at once) that counts the waits it was asked for. */
  private static final class CountingConsumer extends MockConsumer<String, String> {
    private final Map<Duration, AtomicInteger> waits = new ConcurrentHashMap<>();

    CountingConsumer() {
      super("earliest");
    }

    @Override
    public synchronized ConsumerRecords<String, String> poll(Duration timeout) {
      waits.computeIfAbsent(timeout, d -> new AtomicInteger()).incrementAndGet();
      return super.poll(timeout);
    }

    int polls(Duration wait) {
      AtomicInteger n = waits.get(wait);
      return n == null ? 0 : n.get();
    }

    /** Forgets the counts and returns those of any wait other than these two. */
    int reset() {
      int other = 0;
      for (Map.Entry<Duration, AtomicInteger> e : waits.entrySet()) {
        if (!e.getKey().equals(CutoutWorker.IDLE_POLL)
            && !e.getKey().equals(CutoutWorker.BUSY_POLL)) {
          other += e.getValue().get();
        }
      }
      waits.clear();
      return other;
    }
  }

  @Test
  void anIdleWorkerWaitsASecondAPollAndOneWithARecordUncommitted100Ms() throws Exception {
    CutflowConfig config =
        CutflowConfig.isolated(Map.of("cutflow.s3.endpoint", "http://127.0.0.1:9"));
    Topics topics = new Topics(config);
    TopicPartition tp = new TopicPartition(topics.jobs(), 0);
    CountingConsumer consumer = new CountingConsumer();
    // sends stay unacknowledged until the test completes them: the record stays in flight
    MockProducer<String, String> producer =
        new MockProducer<>(false, null, new StringSerializer(), new StringSerializer());
    CutoutWorker worker = TestWorkers.create(config, consumer, producer);
    consumer.updateBeginningOffsets(Map.of(tp, 0L));
    consumer.schedulePollTask(() -> consumer.rebalance(List.of(tp)));
    CompletableFuture<ExitReason> run = CompletableFuture.supplyAsync(worker::run);

    await(() -> consumer.polls(CutoutWorker.IDLE_POLL) >= 20, "idle polls");
    assertEquals(0, consumer.polls(CutoutWorker.BUSY_POLL), "busy polls with nothing to do");

    // a record that fails at once: its result and dead letter are sent, not yet acknowledged
    consumer.schedulePollTask(
        () -> consumer.addRecord(new ConsumerRecord<>(tp.topic(), 0, 0, "job-a", "{not json")));
    await(() -> producer.history().size() == 2, "a result and a dead letter");
    assertEquals(0, consumer.reset(), "polls with another wait");
    await(() -> consumer.polls(CutoutWorker.BUSY_POLL) >= 20, "polls with the record in flight");
    assertEquals(0, consumer.polls(CutoutWorker.IDLE_POLL), "idle polls with the record in flight");

    while (producer.completeNext()) {
      // acknowledge both sends: the record finishes and is committed
    }
    await(() -> committed(consumer, tp) != null, "the commit of offset 1");
    assertEquals(1, committed(consumer, tp).offset());
    consumer.reset();
    await(() -> consumer.polls(CutoutWorker.IDLE_POLL) >= 20, "idle polls after the commit");
    assertEquals(0, consumer.polls(CutoutWorker.BUSY_POLL), "busy polls after the commit");

    worker.requestStop(ExitReason.STOPPED);
    assertEquals(ExitReason.STOPPED, run.get(30, TimeUnit.SECONDS));
  }

  private static OffsetAndMetadata committed(CountingConsumer consumer, TopicPartition tp) {
    return consumer.committed(Set.of(tp)).get(tp);
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    TestWorkers.await(condition, what, Duration.ofSeconds(30));
  }
}
