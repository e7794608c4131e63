package io.cutflow.worker.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.job.DeadLetter;
import io.cutflow.common.job.FailureCode;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobResult;
import io.cutflow.common.kafka.Topics;
import io.cutflow.common.store.ObjectMissingException;
import io.cutflow.common.store.ObjectStoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * An object-store outage holds jobs instead of failing them, and one object's own failure still
 * fails its job at once: {@link StoreOutage} alone, then a worker against an S3 stand-in that goes
 * down and comes back.
 */
class StoreOutageTest {
  private static final ObjectStoreException DOWN =
      new ObjectStoreException("get s3://raw/a.jpg failed after 5 attempt(s): refused", null);

  private static StoreOutage outage(BooleanSupplier probe) {
    return new StoreOutage(probe, Duration.ofMillis(5), Duration.ofMillis(20), System::nanoTime);
  }

  @Test
  void aCallFailingWhileTheStoreDoesNotAnswerIsHeldAndTriedAgainUntilItWorks() throws Exception {
    AtomicBoolean storeUp = new AtomicBoolean();
    StoreOutage outage = outage(storeUp::get);
    AtomicInteger calls = new AtomicInteger();
    List<String> seen = new ArrayList<>();
    String result =
        outage.call(
            "raw/a.jpg",
            () -> {
              if (calls.incrementAndGet() < 4) {
                seen.add(outage.waiting() + " " + outage.reason());
                throw DOWN;
              }
              return "bytes";
            });
    assertEquals("bytes", result);
    assertEquals(4, calls.get());
    // the first failure comes before the job is held; the next ones find it held, with the reason
    assertTrue(seen.get(0).startsWith("0 null"), seen.get(0));
    assertTrue(
        seen.get(2).startsWith("1 waiting for the object store: 1 job(s) held"), seen.get(2));
    assertTrue(seen.get(2).contains("last error: " + DOWN.getMessage()), seen.get(2));
    assertEquals(0, outage.waiting());
    assertNull(outage.reason());
  }

  @Test
  void aCallFailingTwiceWhileTheStoreAnswersIsTheJobsOwnFailure() {
    AtomicInteger probes = new AtomicInteger();
    StoreOutage outage = outage(() -> probes.incrementAndGet() > 0);
    AtomicInteger calls = new AtomicInteger();
    ObjectStoreException thrown =
        assertThrows(
            ObjectStoreException.class,
            () ->
                outage.call(
                    "raw/a.jpg",
                    () -> {
                      calls.incrementAndGet();
                      throw DOWN;
                    }));
    assertSame(DOWN, thrown);
    // once more after the first probe (the store may have just come back), then failed
    assertEquals(2, calls.get());
    assertEquals(2, probes.get());
    assertEquals(0, outage.waiting());
  }

  @Test
  void aMissingObjectIsAnAnswerNotAnOutage() {
    AtomicInteger probes = new AtomicInteger();
    StoreOutage outage = outage(() -> probes.incrementAndGet() < 0);
    assertThrows(
        ObjectMissingException.class,
        () ->
            outage.call(
                "raw/a.jpg",
                () -> {
                  throw new ObjectMissingException("raw", "a.jpg", null);
                }));
    assertEquals(0, probes.get());
  }

  @Test
  void aHeldJobGivesUpWhenItsThreadIsInterrupted() throws Exception {
    StoreOutage outage = outage(() -> false);
    CompletableFuture<Throwable> ended = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                outage.call(
                    "raw/a.jpg",
                    () -> {
                      throw DOWN;
                    });
                ended.complete(null);
              } catch (Throwable e) {
                ended.complete(e);
              }
            });
    t.start();
    await(() -> outage.waiting() == 1, "the job held");
    t.interrupt();
    assertTrue(ended.get(10, TimeUnit.SECONDS) instanceof InterruptedException);
    assertEquals(0, outage.waiting());
  }

  /**
   * The worker end to end on MockConsumer/MockProducer and an S3 stand-in: an object the store
   * fails on its own gets storage_failed and a dead letter; a job arriving while the whole store is
   * down is held (no result, not ready, the gauge at 1) and cut out once the store is back.
   */
  @Test
  void aWorkerHoldsJobsThroughAStoreOutageAndFailsOnlyAnObjectTheStoreFails() throws Exception {
    try (InMemoryS3 s3 = new InMemoryS3()) {
      CutflowConfig config = s3.config();
      Topics topics = new Topics(config);
      TopicPartition tp = new TopicPartition(topics.jobs(), 0);
      s3.put("raw", "bad.jpg", StageErrorsTest.jpeg(96, 64));
      s3.fail("raw", "bad.jpg");
      s3.put("raw", "good.jpg", StageErrorsTest.jpeg(96, 64));

      MockConsumer<String, String> consumer = new MockConsumer<>("earliest");
      MockProducer<String, String> producer =
          new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
      MetricRegistry registry = new MetricRegistry();
      CutoutWorker worker =
          TestWorkers.create(
              config,
              consumer,
              producer,
              new WorkerSettings("unit-worker", null, 2, 2, 0, 0),
              new WorkerMetrics(registry));
      consumer.updateBeginningOffsets(Map.of(tp, 0L));
      consumer.schedulePollTask(
          () -> {
            consumer.rebalance(List.of(tp));
            consumer.addRecord(record(tp, 0, "bad"));
          });
      CompletableFuture<ExitReason> run = CompletableFuture.supplyAsync(worker::run);
      await(() -> producer.history().size() == 2, "bad's result and dead letter");
      JobCodec codec = new JobCodec();
      JobResult bad = codec.decodeResult(sent(producer, topics.results(), 0).value());
      assertEquals(FailureCode.STORAGE_FAILED, bad.failure().code(), bad.toString());
      assertTrue(bad.failure().message().contains("raw/bad.jpg"), bad.failure().message());
      DeadLetter dead = codec.decodeDeadLetter(sent(producer, topics.deadLetters(), 0).value());
      assertEquals(FailureCode.STORAGE_FAILED, dead.reason());

      s3.down(true);
      consumer.schedulePollTask(() -> consumer.addRecord(record(tp, 1, "good")));
      Gauge<?> waiting = registry.getGauges().get("cutflow.worker.dependency.object_store.waiting");
      await(() -> Integer.valueOf(1).equals(waiting.getValue()), "the job held");
      String reason = worker.notReadyReason();
      assertTrue(reason != null && reason.startsWith("waiting for the object store"), reason);
      Thread.sleep(3000); // a held job gets no result, however long the outage: sample 3 s of it
      assertEquals(2, producer.history().size(), "nothing published while the store is down");

      s3.down(false);
      await(() -> producer.history().size() == 3, "good's result");
      JobResult good = codec.decodeResult(producer.history().get(2).value());
      assertEquals(JobResult.Status.OK, good.status(), good.toString());
      assertEquals("good", good.jobId());
      assertEquals(1, s3.countIn("cutouts"));
      await(() -> Integer.valueOf(0).equals(waiting.getValue()), "nothing held");
      assertNull(worker.notReadyReason());

      worker.requestStop(ExitReason.STOPPED);
      assertEquals(ExitReason.STOPPED, run.get(60, TimeUnit.SECONDS));
    }
  }

  private static ConsumerRecord<String, String> record(TopicPartition tp, long offset, String id) {
    return new ConsumerRecord<>(
        tp.topic(),
        0,
        offset,
        id,
        "{\"schema\": \"cutflow.job-request/v1\", \"job_id\": \""
            + id
            + "\", \"submitted_at\": \"2026-12-05T12:00:00Z\", \"source\": {\"bucket\": \"raw\","
            + " \"key\": \""
            + id
            + ".jpg\"}}");
  }

  private static ProducerRecord<String, String> sent(
      MockProducer<String, String> producer, String topic, int nth) {
    return producer.history().stream().filter(r -> r.topic().equals(topic)).toList().get(nth);
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    TestWorkers.await(condition, what, Duration.ofSeconds(60));
  }
}
