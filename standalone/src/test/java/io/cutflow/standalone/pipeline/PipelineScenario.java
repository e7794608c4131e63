package io.cutflow.standalone.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.KafkaConfig;
import io.cutflow.common.config.StorageConfig;
import io.cutflow.common.job.DeadLetter;
import io.cutflow.common.job.FailureCode;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobResult;
import io.cutflow.common.kafka.Topics;
import io.cutflow.common.store.ObjectStore;
import io.cutflow.ingest.BulkIngest;
import io.cutflow.ingest.cli.IngestClient;
import io.cutflow.standalone.StackWorkers;
import io.cutflow.worker.supervisor.RecyclingSupervisor;
import io.cutflow.worker.supervisor.SupervisorSettings;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The pipeline's end-to-end scenario, run against whatever Kafka and S3 a subclass provides (the
 * embedded stack here; Testcontainers where Docker exists): bulk ingest of a batch with one corrupt
 * file through two worker processes, plus a job published by an outside producer.
 */
abstract class PipelineScenario {
  static final int[][] SIZES = {{320, 240}, {200, 300}, {257, 129}, {96, 96}, {400, 250}};

  /** Writes test images: a drawn shape on a plain background per size, plus one corrupt file. */
  static List<Path> writeBatch(Path dir) throws Exception {
    List<Path> files = new ArrayList<>();
    String[] formats = {"png", "jpg", "png", "bmp", "jpg"};
    for (int i = 0; i < SIZES.length; i++) {
      BufferedImage img = new BufferedImage(SIZES[i][0], SIZES[i][1], BufferedImage.TYPE_3BYTE_BGR);
      Graphics2D g = img.createGraphics();
      g.setColor(new Color(230, 230, 230));
      g.fillRect(0, 0, img.getWidth(), img.getHeight());
      g.setColor(new Color(30 + 40 * i, 60, 160));
      g.fillOval(img.getWidth() / 4, img.getHeight() / 4, img.getWidth() / 2, img.getHeight() / 2);
      g.dispose();
      Path f = dir.resolve("shape-" + i + "." + formats[i]);
      ImageIO.write(img, formats[i], f.toFile());
      files.add(f);
    }
    byte[] junk = new byte[5000];
    new Random(7).nextBytes(junk);
    Path corrupt = dir.resolve("corrupt.jpg");
    Files.write(corrupt, junk);
    files.add(corrupt);
    return files;
  }

  /** Runs the scenario; {@code config} points at the Kafka and S3 under test. */
  static void run(CutflowConfig config, Map<String, String> overrides, Path work) throws Exception {
    Path in = Files.createDirectories(work.resolve("in"));
    Path out = work.resolve("out");
    List<Path> files = writeBatch(in);
    JobCodec codec = new JobCodec();
    Topics topics = new Topics(config);
    String outsideJobId = "outside-" + UUID.randomUUID();

    SupervisorSettings settings =
        StackWorkers.settings(2, 0, 0, false, overrides, "pipeline", work.resolve("workers"));
    try (RecyclingSupervisor workers = StackWorkers.start(config, settings, Duration.ofMinutes(4));
        IngestClient client = IngestClient.connect(config)) {
      StackWorkers.awaitAssigned(
          workers, Duration.ofMinutes(1)); // as LocalWorkers waited for /readyz
      BulkIngest.Summary summary =
          client.ingest(in, files, null, true, out, Duration.ofMinutes(5), 3);

      // Every good image: an ok result and a valid RGBA PNG of the input's size, in the bucket and
      // on disk.
      assertEquals(files.size(), summary.outcomes().size());
      ObjectStore store = client.store();
      for (BulkIngest.Outcome o : summary.outcomes()) {
        String name = o.file().getFileName().toString();
        if (name.equals("corrupt.jpg")) {
          assertNotNull(o.result(), "corrupt file gets a result");
          assertEquals(JobResult.Status.FAILED, o.result().status());
          assertEquals(FailureCode.NOT_AN_IMAGE, o.result().failure().code());
          assertTrue(
              o.result().failure().message().contains("corrupt.jpg"),
              o.result().failure().message());
          continue;
        }
        assertTrue(o.ok(), name + ": " + o.error());
        BufferedImage input = ImageIO.read(o.file().toFile());
        byte[] png =
            store.get(o.result().output().bucket(), o.result().output().key(), Long.MAX_VALUE);
        assertRgbaPng(png, input.getWidth(), input.getHeight(), name);
        assertTrue(Files.exists(o.output()), "downloaded " + o.output());
        assertEquals(input.getWidth(), o.result().image().width());
        assertTrue(o.result().timingsMs().inference() > 0, "inference timing reported");
      }

      // An outside producer: upload with the S3 API, publish hand-written JSON per the schema.
      BufferedImage img = new BufferedImage(150, 100, BufferedImage.TYPE_3BYTE_BGR);
      Graphics2D g = img.createGraphics();
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, 150, 100);
      g.setColor(Color.RED);
      g.fillRect(50, 25, 50, 50);
      g.dispose();
      java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
      ImageIO.write(img, "png", buf);
      String rawBucket = config.getString(StorageConfig.BUCKET_RAW);
      store.put(rawBucket, "outside/square.png", buf.toByteArray(), "image/png", Map.of());
      String json =
          """
          {"schema": "cutflow.job-request/v1", "job_id": "%s",
           "source": {"bucket": "%s", "key": "outside/square.png"},
           "options": {"bgcolor": [255, 255, 255, 255]},
           "submitted_at": "2026-11-23T12:00:00Z"}"""
              .formatted(outsideJobId, rawBucket);
      try (KafkaProducer<String, String> producer =
          new KafkaProducer<>(
              io.cutflow.common.kafka.KafkaClients.producerProperties(
                  config, "outside-producer"))) {
        producer.send(new ProducerRecord<>(topics.jobs(), outsideJobId, json)).get();
      }
      JobResult outside =
          awaitResult(config, topics.results(), outsideJobId, codec, Duration.ofMinutes(2));
      assertTrue(outside.isOk(), "outside job processed: " + outside);
      assertEquals("cutflow-cutouts", outside.output().bucket());
      assertEquals(outsideJobId + ".png", outside.output().key());
      assertRgbaPng(
          store.get(outside.output().bucket(), outside.output().key(), Long.MAX_VALUE),
          150,
          100,
          "outside job");

      // Exactly one ok result per good job; the corrupt one dead-lettered with its reason.
      Map<String, Integer> okResults = new HashMap<>();
      for (String v : readAll(config, topics.results())) {
        JobResult r = codec.decodeResult(v);
        if (r.isOk()) {
          okResults.merge(r.jobId(), 1, Integer::sum);
        }
      }
      for (BulkIngest.Outcome o : summary.outcomes()) {
        int expected = o.file().getFileName().toString().equals("corrupt.jpg") ? 0 : 1;
        assertEquals(expected, okResults.getOrDefault(o.jobId(), 0), "ok results for " + o.file());
      }
      String corruptJob =
          summary.outcomes().stream()
              .filter(o -> o.file().getFileName().toString().equals("corrupt.jpg"))
              .findFirst()
              .orElseThrow()
              .jobId();
      List<DeadLetter> dead = new ArrayList<>();
      for (String v : readAll(config, topics.deadLetters())) {
        dead.add(codec.decodeDeadLetter(v));
      }
      assertEquals(1, dead.size(), "exactly the corrupt record is dead-lettered: " + dead);
      assertEquals(corruptJob, dead.get(0).jobId());
      assertEquals(FailureCode.NOT_AN_IMAGE, dead.get(0).reason());
      assertTrue(dead.get(0).value().contains(corruptJob), "dead letter keeps the original record");
    }
  }

  static void assertRgbaPng(byte[] png, int width, int height, String what) throws Exception {
    assertTrue(
        png.length > 8 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G',
        what + ": PNG signature");
    BufferedImage out = ImageIO.read(new ByteArrayInputStream(png));
    assertNotNull(out, what + ": decodes");
    assertEquals(width, out.getWidth(), what + ": width");
    assertEquals(height, out.getHeight(), what + ": height");
    assertEquals(BufferedImage.TYPE_4BYTE_ABGR, out.getType(), what + ": 8-bit RGBA");
  }

  static JobResult awaitResult(
      CutflowConfig config, String topic, String jobId, JobCodec codec, Duration timeout)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (String v : readAll(config, topic)) {
        JobResult r = codec.decodeResult(v);
        if (r.jobId().equals(jobId)) {
          return r;
        }
      }
      Thread.sleep(500);
    }
    throw new AssertionError("no result for " + jobId + " within " + timeout);
  }

  /** Every record currently in {@code topic}, from the beginning. */
  static List<String> readAll(CutflowConfig config, String topic) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.getString(KafkaConfig.BOOTSTRAP_SERVERS));
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
      List<TopicPartition> tps =
          c.partitionsFor(topic).stream()
              .map(pi -> new TopicPartition(topic, pi.partition()))
              .toList();
      c.assign(tps);
      c.seekToBeginning(tps);
      Map<TopicPartition, Long> end = c.endOffsets(tps);
      while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
          values.add(r.value());
        }
      }
    }
    return values;
  }
}
