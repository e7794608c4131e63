package io.cutflow.worker.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.job.DeadLetter;
import io.cutflow.common.job.FailureCode;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobResult;
import io.cutflow.common.kafka.Topics;
import io.cutflow.common.store.ObjectStore;
import io.cutflow.worker.image.ImageAdmission;
import io.cutflow.worker.image.ImageDecoder;
import io.cutflow.worker.image.MemoryBudget;
import io.cutflow.worker.image.PngWriter;
import io.cutflow.worker.inference.BackgroundRemover;
import io.cutflow.worker.inference.RemoverFactory;
import io.cutflow.worker.inference.SharedRemover;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * An Error thrown inside a stage (an OutOfMemoryError, a codec's StackOverflowError, a missing
 * class) is a failed result and a dead letter for that job, not a dead stage thread: the offset
 * commits, the job's input buffer goes back to the pool, and the next good job still completes —
 * after more failing jobs than there are buffers.
 */
class StageErrorsTest {
  private static final int BAD_JOBS = 8;
  private static final byte[] PHOTO = jpeg(96, 64);

  @Test
  void errorsInAStageBecomeFailedResultsAndTheNextGoodJobStillCompletes() throws Exception {
    try (InMemoryS3 s3 = new InMemoryS3()) {
      CutflowConfig config = s3.config();
      Topics topics = new Topics(config);
      TopicPartition tp = new TopicPartition(topics.jobs(), 0);
      for (int i = 0; i < BAD_JOBS; i++) {
        s3.put("raw", "bad-" + i + ".jpg", PHOTO);
      }
      s3.put("raw", "good.jpg", PHOTO);

      RemoverFactory.Loaded loaded = SharedRemover.get();
      MemoryBudget budget = MemoryBudget.forRuntime(0);
      // Inside the fetch stage, after the input buffer is taken: what an OutOfMemoryError or a
      // StackOverflowError in decoding or pre-processing looks like to the stage.
      ImageAdmission failing =
          (input, header, bytes) -> {
            if (input.contains("/bad-")) {
              int n = Integer.parseInt(input.replaceAll("\\D", ""));
              throw n % 2 == 0
                  ? new OutOfMemoryError("Java heap space (injected)")
                  : new StackOverflowError("injected");
            }
            return budget.admit(input, header, bytes);
          };
      BackgroundRemover remover =
          new BackgroundRemover(loaded.session(), new ImageDecoder(), new PngWriter(), failing);
      WorkerSettings settings = new WorkerSettings("unit-worker", null, 2, 2, 0, 0);
      MockConsumer<String, String> consumer = new MockConsumer<>("earliest");
      MockProducer<String, String> producer =
          new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
      CutoutWorker worker =
          new CutoutWorker(
              consumer,
              producer,
              ObjectStore.fromConfig(config),
              remover,
              loaded.session(),
              loaded.model(),
              new JobCodec(),
              topics,
              "cutouts",
              1 << 20,
              settings,
              new WorkerMetrics(new MetricRegistry()));

      consumer.updateBeginningOffsets(Map.of(tp, 0L));
      consumer.schedulePollTask(
          () -> {
            consumer.rebalance(List.of(tp));
            for (int i = 0; i < BAD_JOBS; i++) {
              consumer.addRecord(record(tp, i, "bad-" + i));
            }
            consumer.addRecord(record(tp, BAD_JOBS, "good"));
          });
      CompletableFuture<ExitReason> run = CompletableFuture.supplyAsync(worker::run);

      await(() -> committedOffset(consumer, tp) == BAD_JOBS + 1, "all offsets committed");
      JobCodec codec = new JobCodec();
      Map<String, JobResult> results = new HashMap<>();
      Map<String, DeadLetter> deadLetters = new HashMap<>();
      for (ProducerRecord<String, String> r : producer.history()) {
        if (r.topic().equals(topics.results())) {
          results.put(r.key(), codec.decodeResult(r.value()));
        } else {
          deadLetters.put(r.key(), codec.decodeDeadLetter(r.value()));
        }
      }
      assertEquals(BAD_JOBS + 1, results.size(), results.keySet().toString());
      for (int i = 0; i < BAD_JOBS; i++) {
        JobResult failed = results.get("bad-" + i);
        assertEquals(JobResult.Status.FAILED, failed.status());
        assertEquals(FailureCode.INTERNAL_ERROR, failed.failure().code());
        String message = failed.failure().message();
        assertTrue(message.startsWith("raw/bad-" + i + ".jpg: "), message);
        assertTrue(message.contains("in the fetch stage"), message);
        if (i % 2 == 0) {
          assertTrue(message.contains("OutOfMemoryError"), message);
          assertTrue(message.contains("larger heap"), message);
        } else {
          assertTrue(message.contains("StackOverflowError"), message);
        }
      }
      assertEquals(
          Set.of("bad-0", "bad-1", "bad-2", "bad-3", "bad-4", "bad-5", "bad-6", "bad-7"),
          deadLetters.keySet());
      JobResult good = results.get("good");
      assertEquals(JobResult.Status.OK, good.status(), String.valueOf(good.failure()));
      assertEquals(1, s3.countIn("cutouts"), "the good job's cutout was uploaded");
      assertEquals(0, budget.leased(), "its heap lease went back");
      assertEquals(null, worker.notReadyReason(), "ready: nothing in flight, nothing stalled");

      worker.requestStop(ExitReason.STOPPED);
      assertEquals(ExitReason.STOPPED, run.get(60, TimeUnit.SECONDS));
      assertEquals(BAD_JOBS + 1, worker.finishedCount());
    }
  }

  static byte[] jpeg(int w, int h) {
    java.awt.image.BufferedImage img =
        new java.awt.image.BufferedImage(w, h, java.awt.image.BufferedImage.TYPE_3BYTE_BGR);
    java.awt.Graphics2D g = img.createGraphics();
    g.setColor(java.awt.Color.LIGHT_GRAY);
    g.fillRect(0, 0, w, h);
    g.setColor(java.awt.Color.RED);
    g.fillOval(w / 4, h / 4, w / 2, h / 2);
    g.dispose();
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try {
      javax.imageio.ImageIO.write(img, "jpeg", out);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static ConsumerRecord<String, String> record(TopicPartition tp, long offset, String id) {
    String json =
        """
        {"schema": "cutflow.job-request/v1", "job_id": "%s", "submitted_at": "2026-11-24T12:00:00Z",
         "source": {"bucket": "raw", "key": "%s.jpg"}}"""
            .formatted(id, id);
    return new ConsumerRecord<>(tp.topic(), tp.partition(), offset, id, json);
  }

  private static long committedOffset(MockConsumer<String, String> consumer, TopicPartition tp) {
    OffsetAndMetadata m = consumer.committed(Set.of(tp)).get(tp);
    return m == null ? -1 : m.offset();
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    TestWorkers.await(condition, what, Duration.ofSeconds(120));
  }
}
