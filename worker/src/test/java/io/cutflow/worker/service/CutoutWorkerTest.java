package io.cutflow.worker.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.job.DeadLetter;
import io.cutflow.common.job.FailureCode;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobResult;
import io.cutflow.common.kafka.Topics;
import io.cutflow.common.store.ObjectStore;
import io.cutflow.worker.image.ImageDecoder;
import io.cutflow.worker.image.ImageLimits;
import io.cutflow.worker.image.PngWriter;
import io.cutflow.worker.inference.BackgroundRemover;
import io.cutflow.worker.inference.InferenceSession;
import io.cutflow.worker.inference.TinySam;
import io.cutflow.worker.supervisor.ControlMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run loop on Kafka's MockConsumer / MockProducer (no broker): records that can never succeed
 * each get a failed result and a dead letter, the worker goes on, and no offset is committed until
 * Kafka has acknowledged what was published for it.
 */
class CutoutWorkerTest {

  @Test
  void badRecordsGetAFailedResultAndADeadLetterAndAreCommittedOnlyOnceAcknowledged()
      throws Exception {
    // The object store is never reached by these records: an unused port keeps it that way.
    CutflowConfig config =
        CutflowConfig.isolated(Map.of("cutflow.s3.endpoint", "http://127.0.0.1:9"));
    Topics topics = new Topics(config);
    TopicPartition tp = new TopicPartition(topics.jobs(), 0);
    MockConsumer<String, String> consumer = new MockConsumer<>("earliest");
    MockProducer<String, String> producer =
        new MockProducer<>(false, null, new StringSerializer(), new StringSerializer());
    CutoutWorker worker = TestWorkers.create(config, consumer, producer);

    consumer.updateBeginningOffsets(Map.of(tp, 0L));
    consumer.schedulePollTask(
        () -> {
          consumer.rebalance(List.of(tp));
          consumer.addRecord(new ConsumerRecord<>(tp.topic(), 0, 0, "job-a", "{not json"));
          consumer.addRecord(
              new ConsumerRecord<>(
                  tp.topic(), 0, 1, "job-b", "{\"schema\": \"cutflow.job-request/v1\"}"));
          consumer.addRecord(
              new ConsumerRecord<>(
                  tp.topic(),
                  0,
                  2,
                  "job-c",
                  """
          {"schema": "cutflow.job-request/v1", "job_id": "job-c", "submitted_at": "2026-11-24T12:00:00Z",
           "source": {"bucket": "raw", "key": "c.jpg"}, "options": {"model": "u2net"}}"""));
          // near the broker's 1 MB limit: copied whole into a dead letter and escaped again, it
          // made one the broker refused, and the worker stopped and failed it again, forever
          consumer.addRecord(
              new ConsumerRecord<>(tp.topic(), 0, 3, "k".repeat(400_000), "\"".repeat(500_000)));
        });
    CompletableFuture<ExitReason> run = CompletableFuture.supplyAsync(worker::run);

    // four records, each a dead letter and a result, none acknowledged yet
    await(() -> producer.history().size() == 8, "8 sends");
    Thread.sleep(
        300); // several poll-loop turns: a commit ahead of the acknowledgements would show now
    assertNull(committed(consumer, tp), "nothing committed before Kafka acknowledged the results");
    while (producer.completeNext()) {
      // acknowledge every send
    }
    await(
        () -> committed(consumer, tp) != null && committed(consumer, tp).offset() == 4,
        "commit up to offset 4");

    JobCodec codec = new JobCodec();
    Map<String, FailureCode> results = new HashMap<>();
    Map<String, DeadLetter> deadLetters = new HashMap<>();
    for (ProducerRecord<String, String> r : producer.history()) {
      int bytes = (r.key() + r.value()).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
      assertTrue(bytes < 1_000_000, r.topic() + " record of " + bytes + " bytes");
      if (r.topic().equals(topics.results())) {
        JobResult result = codec.decodeResult(r.value());
        assertEquals(JobResult.Status.FAILED, result.status(), r.value());
        assertEquals("unit-worker", result.workerId());
        results.put(r.key(), result.failure().code());
      } else {
        assertEquals(topics.deadLetters(), r.topic());
        deadLetters.put(r.key(), codec.decodeDeadLetter(r.value()));
      }
    }
    assertEquals(
        Map.of(
            "job-a",
            FailureCode.MALFORMED_JSON,
            "job-b",
            FailureCode.SCHEMA_VIOLATION,
            "job-c",
            FailureCode.MODEL_UNAVAILABLE,
            tp.topic() + "-0-3", // a key longer than any job id names it by its place instead
            FailureCode.MALFORMED_JSON),
        results);
    assertEquals(Set.of("job-a", "job-b", "job-c", tp.topic() + "-0-3"), deadLetters.keySet());
    DeadLetter huge = deadLetters.get(tp.topic() + "-0-3");
    assertEquals(DeadLetter.MAX_VALUE_CHARS, huge.value().length());
    assertEquals(500_000, huge.valueLength());
    assertEquals(400_000, huge.keyLength());
    assertEquals(3, huge.offset());
    assertNull(deadLetters.get("job-a").valueLength(), "a whole value says nothing of its length");
    // a dead letter keeps the original record and where it came from, so it can be replayed
    assertEquals("{not json", deadLetters.get("job-a").value());
    assertEquals(0, deadLetters.get("job-a").offset());
    assertTrue(
        deadLetters.get("job-c").message().contains("u2net"), deadLetters.get("job-c").message());

    worker.requestStop(ExitReason.STOPPED);
    assertEquals(ExitReason.STOPPED, run.get(30, java.util.concurrent.TimeUnit.SECONDS));
    assertEquals(4, worker.finishedCount());
  }

  @Test
  void aWorkerServingSamRefusesAJobWithoutAPromptAsAnInvalidOption(@TempDir Path dir)
      throws Exception {
    // The job names no model (the worker's: sam) and no prompt; refused before the download.
    CutflowConfig config =
        CutflowConfig.isolated(Map.of("cutflow.s3.endpoint", "http://127.0.0.1:9"));
    Topics topics = new Topics(config);
    TopicPartition tp = new TopicPartition(topics.jobs(), 0);
    MockConsumer<String, String> consumer = new MockConsumer<>("earliest");
    MockProducer<String, String> producer =
        new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
    try (InferenceSession sam = TinySam.session(dir)) {
      BackgroundRemover remover =
          new BackgroundRemover(sam, new ImageDecoder(ImageLimits.defaults()), new PngWriter());
      CutoutWorker worker =
          new CutoutWorker(
              consumer,
              producer,
              ObjectStore.fromConfig(config),
              remover,
              sam,
              "sam",
              new JobCodec(),
              topics,
              "cutouts",
              1 << 20,
              new WorkerSettings("unit-worker", null, 2, 2, 0, 0),
              new WorkerMetrics(new MetricRegistry()));
      consumer.updateBeginningOffsets(Map.of(tp, 0L));
      consumer.schedulePollTask(
          () -> {
            consumer.rebalance(List.of(tp));
            consumer.addRecord(
                new ConsumerRecord<>(tp.topic(), 0, 0, "job-s", job("job-s", "s.jpg")));
          });
      CompletableFuture<ExitReason> run = CompletableFuture.supplyAsync(worker::run);
      await(() -> producer.history().size() == 2, "a result and a dead letter");
      JobCodec codec = new JobCodec();
      for (ProducerRecord<String, String> r : producer.history()) {
        String message;
        if (r.topic().equals(topics.results())) {
          JobResult result = codec.decodeResult(r.value());
          assertEquals(FailureCode.SCHEMA_VIOLATION, result.failure().code(), r.value());
          message = result.failure().message();
        } else {
          assertEquals(topics.deadLetters(), r.topic());
          message = codec.decodeDeadLetter(r.value()).message();
        }
        assertTrue(message.contains("options.sam_prompt: model 'sam' needs a prompt"), message);
      }
      worker.requestStop(ExitReason.STOPPED);
      assertEquals(ExitReason.STOPPED, run.get(30, java.util.concurrent.TimeUnit.SECONDS));
    }
  }

  /**
   * A worker on {@code consumer}/{@code producer} whose TAKEN/DONE reports go to {@code events}.
   */
  private static CutoutWorker worker(
      CutflowConfig config,
      MockConsumer<String, String> consumer,
      MockProducer<String, String> producer,
      List<String> events)
      throws Exception {
    WorkerMetrics metrics = new WorkerMetrics(new MetricRegistry());
    metrics.listener(
        new WorkerMetrics.Listener() {
          @Override
          public void taken(TopicPartition tp, long offset) {
            events.add("TAKEN " + offset);
          }

          @Override
          public void done(TopicPartition tp, long offset) {
            events.add("DONE " + offset);
          }
        });
    return TestWorkers.create(
        config,
        consumer,
        producer,
        new WorkerSettings(
            "unit-worker", null, 2, 2, 0, 0, 2, WorkerSettings.DEFAULT_STALL_TIMEOUT),
        metrics);
  }

  private static String job(String id, String key) {
    return "{\"schema\": \"cutflow.job-request/v1\", \"job_id\": \""
        + id
        + "\", \"submitted_at\": \"2026-11-24T12:00:00Z\", \"source\": {\"bucket\": \"raw\","
        + " \"key\": \""
        + key
        + "\"}}";
  }

  @Test
  void recordPastTheCrashBoundFailsAsWorkerCrashedWithoutBeingRun() throws Exception {
    // Were it run, its download from this unused port would hold it (StoreOutage): no result.
    CutflowConfig config =
        CutflowConfig.isolated(Map.of("cutflow.s3.endpoint", "http://127.0.0.1:9"));
    Topics topics = new Topics(config);
    TopicPartition tp = new TopicPartition(topics.jobs(), 0);
    MockConsumer<String, String> consumer = new MockConsumer<>("earliest");
    MockProducer<String, String> producer =
        new MockProducer<>(false, null, new StringSerializer(), new StringSerializer());
    List<String> events = new CopyOnWriteArrayList<>();
    CutoutWorker worker = worker(config, consumer, producer, events);
    worker
        .suspects()
        .apply(
            new ControlMessage.Suspect(
                0, 0, 3, "exit 137 (SIGKILL) of worker pid 9 (slot 0); its last log line: x"));

    consumer.updateBeginningOffsets(Map.of(tp, 0L));
    consumer.schedulePollTask(
        () -> {
          consumer.rebalance(List.of(tp));
          consumer.addRecord(
              new ConsumerRecord<>(tp.topic(), 0, 0, "job-p", job("job-p", "poison.jpg")));
        });
    CompletableFuture<ExitReason> run = CompletableFuture.supplyAsync(worker::run);
    await(() -> producer.history().size() == 2, "a result and a dead letter");
    while (producer.completeNext()) {
      // acknowledge both
    }
    await(
        () -> committed(consumer, tp) != null && committed(consumer, tp).offset() == 1,
        "commit past the record");

    JobCodec codec = new JobCodec();
    JobResult result = null;
    DeadLetter dead = null;
    for (ProducerRecord<String, String> r : producer.history()) {
      int bytes = (r.key() + r.value()).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
      assertTrue(bytes < 1_000_000, r.topic() + " record of " + bytes + " bytes");
      if (r.topic().equals(topics.results())) {
        result = codec.decodeResult(r.value());
      } else {
        dead = codec.decodeDeadLetter(r.value());
      }
    }
    assertEquals(FailureCode.WORKER_CRASHED, result.failure().code(), result.toString());
    assertEquals("job-p", result.jobId());
    String message = result.failure().message();
    assertTrue(message.contains("raw/poison.jpg"), message);
    assertTrue(message.contains("3 times"), message);
    assertTrue(message.contains("exit 137 (SIGKILL)"), message);
    assertTrue(message.contains("Fix:"), message);
    assertEquals(FailureCode.WORKER_CRASHED, dead.reason());
    assertEquals(job("job-p", "poison.jpg"), dead.value()); // the original record, for replay
    assertEquals(List.of("TAKEN 0", "DONE 0"), events);

    worker.requestStop(ExitReason.STOPPED);
    assertEquals(ExitReason.STOPPED, run.get(30, java.util.concurrent.TimeUnit.SECONDS));
  }

  @Test
  void suspectUnderTheBoundRunsAloneAndHoldsBackTheRest() throws Exception {
    CutflowConfig config =
        CutflowConfig.isolated(Map.of("cutflow.s3.endpoint", "http://127.0.0.1:9"));
    Topics topics = new Topics(config);
    TopicPartition tp = new TopicPartition(topics.jobs(), 0);
    MockConsumer<String, String> consumer = new MockConsumer<>("earliest");
    // Sends complete only when the test says: until then each record stays in flight.
    MockProducer<String, String> producer =
        new MockProducer<>(false, null, new StringSerializer(), new StringSerializer());
    List<String> events = new CopyOnWriteArrayList<>();
    CutoutWorker worker = worker(config, consumer, producer, events);
    worker.suspects().apply(new ControlMessage.Suspect(0, 1, 1, "exit 137 (SIGKILL)"));

    consumer.updateBeginningOffsets(Map.of(tp, 0L));
    consumer.schedulePollTask(
        () -> {
          consumer.rebalance(List.of(tp));
          for (int i = 0; i < 3; i++) {
            consumer.addRecord(new ConsumerRecord<>(tp.topic(), 0, i, "job-" + i, "{not json"));
          }
        });
    CompletableFuture<ExitReason> run = CompletableFuture.supplyAsync(worker::run);
    // Record 0 is in flight (its sends unacknowledged): the suspect must wait for it, and record 2
    // for the suspect. Acknowledging whatever has been sent lets each go in turn.
    await(() -> producer.history().size() >= 2, "record 0's sends");
    await(
        () -> {
          while (producer.completeNext()) {
            // acknowledge what is there
          }
          return events.contains("DONE 2");
        },
        "all three records done");
    assertEquals(
        List.of("TAKEN 0", "DONE 0", "TAKEN 1", "DONE 1", "TAKEN 2", "DONE 2"),
        List.copyOf(events));
    await(
        () -> committed(consumer, tp) != null && committed(consumer, tp).offset() == 3,
        "commit up to offset 3");
    worker.requestStop(ExitReason.STOPPED);
    assertEquals(ExitReason.STOPPED, run.get(30, java.util.concurrent.TimeUnit.SECONDS));
    assertEquals(3, worker.finishedCount());
  }

  private static OffsetAndMetadata committed(
      MockConsumer<String, String> consumer, TopicPartition tp) {
    return consumer.committed(Set.of(tp)).get(tp);
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    TestWorkers.await(condition, what, Duration.ofSeconds(30));
  }
}
