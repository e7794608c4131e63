package io.cutflow.worker.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobResult;
import io.cutflow.common.kafka.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The worker's readiness tells the truth: a worker whose only record hangs in the object store
 * keeps polling (its group sees it alive) but is not ready, with the reason; once the record is
 * done it is ready again.
 */
class ReadinessTest {
  @Test
  void aWorkerHoldingARecordWithNoStageCompletingIsNotReadyUntilItMovesAgain() throws Exception {
    try (InMemoryS3 s3 = new InMemoryS3()) {
      CutflowConfig config = s3.config();
      Topics topics = new Topics(config);
      TopicPartition tp = new TopicPartition(topics.jobs(), 0);
      s3.put("raw", "slow.jpg", StageErrorsTest.jpeg(96, 64));
      CountDownLatch hang = s3.holdGets("raw", "slow.jpg");

      MockConsumer<String, String> consumer = new MockConsumer<>("earliest");
      MockProducer<String, String> producer =
          new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
      CutoutWorker worker =
          TestWorkers.create(
              config,
              consumer,
              producer,
              new WorkerSettings(
                  "unit-worker",
                  null,
                  2,
                  2,
                  0,
                  0,
                  WorkerSettings.DEFAULT_CRASH_RETRIES,
                  Duration.ofSeconds(1)),
              new WorkerMetrics(new MetricRegistry()));
      consumer.updateBeginningOffsets(Map.of(tp, 0L));
      consumer.schedulePollTask(() -> consumer.rebalance(List.of(tp)));
      consumer.schedulePollTask(
          () ->
              consumer.addRecord(
                  new ConsumerRecord<>(
                      tp.topic(),
                      0,
                      0,
                      "slow",
                      """
                      {"schema": "cutflow.job-request/v1", "job_id": "slow",
                       "submitted_at": "2026-11-24T12:00:00Z",
                       "source": {"bucket": "raw", "key": "slow.jpg"}}""")));
      CompletableFuture<ExitReason> run = CompletableFuture.supplyAsync(worker::run);

      AtomicReference<String> reason = new AtomicReference<>();
      await(
          () -> {
            reason.set(worker.notReadyReason());
            return reason.get() != null && reason.get().startsWith("stalled: ");
          },
          "the stall to show");
      assertTrue(reason.get().contains("1 record(s) in flight"), reason.get());
      assertTrue(reason.get().contains("cutflow.worker.stall-timeout-ms (1000 ms)"), reason.get());

      hang.countDown();
      await(() -> producer.history().size() == 1, "the record's result");
      await(() -> worker.notReadyReason() == null, "ready again, nothing held");
      JobCodec codec = new JobCodec();
      ProducerRecord<String, String> sent = producer.history().get(0);
      assertEquals(topics.results(), sent.topic());
      assertEquals(JobResult.Status.OK, codec.decodeResult(sent.value()).status());

      worker.requestStop(ExitReason.STOPPED);
      assertEquals("stopping", worker.notReadyReason());
      assertEquals(ExitReason.STOPPED, run.get(60, TimeUnit.SECONDS));
    }
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    TestWorkers.await(condition, what, Duration.ofSeconds(120));
  }
}
