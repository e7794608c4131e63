package io.cutflow.standalone.infra;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.KafkaConfig;
import io.cutflow.common.config.StorageConfig;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobRequest;
import io.cutflow.common.kafka.KafkaClients;
import io.cutflow.common.kafka.Topics;
import io.cutflow.common.process.JavaProcess;
import io.cutflow.common.store.ObjectInfo;
import io.cutflow.common.store.ObjectMissingException;
import io.cutflow.common.store.ObjectStore;
import io.cutflow.common.store.ObjectSummary;
import io.cutflow.common.store.ObjectTooLargeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/** A real KRaft broker and a real S3Proxy, as child processes. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EmbeddedStackTest {
  private static final int PARTITIONS = 3;

  private EmbeddedStack stack;
  private List<ProcessHandle> children;

  @BeforeAll
  void start() throws Exception {
    CutflowConfig base =
        CutflowConfig.isolated(
            Map.of(
                "cutflow.kafka.partitions", String.valueOf(PARTITIONS),
                "cutflow.bucket.raw", "test-raw",
                "cutflow.bucket.cutouts", "test-cutouts"));
    long t0 = System.nanoTime();
    stack = EmbeddedStack.start(base);
    System.out.printf(
        "embedded stack up in %d ms (kafka %d ms, s3 %d ms)%n",
        Duration.ofNanos(System.nanoTime() - t0).toMillis(),
        stack.kafka().startupTime().toMillis(),
        stack.s3().startupTime().toMillis());
    children = stack.processes().stream().map(JavaProcess::handle).toList();
  }

  @AfterAll
  void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  @Order(1)
  void overridesPointAtTheChildren() {
    CutflowConfig c = stack.config();
    assertEquals(stack.kafka().bootstrapServers(), c.getString(KafkaConfig.BOOTSTRAP_SERVERS));
    assertEquals(stack.s3().endpoint(), c.getString(StorageConfig.S3_ENDPOINT));
    assertEquals(stack.s3().accessKey(), c.getString(StorageConfig.S3_ACCESS_KEY));
    assertEquals(PARTITIONS, c.getInt(KafkaConfig.PARTITIONS));
    assertEquals(2, children.size());
    for (ProcessHandle h : children) {
      assertTrue(h.isAlive());
      assertTrue(h.parent().map(ProcessHandle::pid).orElse(-1L) == ProcessHandle.current().pid());
    }
  }

  @Test
  @Order(2)
  void objectStoreRoundTrip() {
    try (ObjectStore store = ObjectStore.fromConfig(stack.config())) {
      assertTrue(store.bucketExists("test-raw"));
      assertTrue(store.bucketExists("test-cutouts"));
      store.ensureBucket("test-raw"); // idempotent

      byte[] bytes = "not really a png \u00e9".getBytes(StandardCharsets.UTF_8);
      String etag =
          store.put(
              "test-raw",
              "photos/a.png",
              bytes,
              "image/png",
              Map.of("job-id", "job-1", "source", "unit test"));
      // a value that is not ASCII goes RFC 2047-encoded: sent raw, the store refused the request
      // (SignatureDoesNotMatch), so a job whose id was not ASCII failed after its model run
      store.put(
          "test-raw",
          "meta/d.png",
          new byte[] {5},
          "image/png",
          Map.of("job-id", "j\u00e9-\u30b8"));
      assertEquals(
          "=?UTF-8?B?"
              + java.util.Base64.getEncoder()
                  .encodeToString("j\u00e9-\u30b8".getBytes(StandardCharsets.UTF_8))
              + "?=",
          store.stat("test-raw", "meta/d.png").orElseThrow().metadata().get("job-id"));
      store.delete("test-raw", "meta/d.png");
      store.put("test-raw", "photos/b.png", new byte[] {1, 2, 3}, "image/png", Map.of());
      store.put("test-raw", "other/c.png", new byte[] {4}, null, null);

      assertArrayEquals(bytes, store.get("test-raw", "photos/a.png", 1024));
      assertThrows(ObjectTooLargeException.class, () -> store.get("test-raw", "photos/a.png", 5));

      Optional<ObjectInfo> info = store.stat("test-raw", "photos/a.png");
      assertTrue(info.isPresent());
      assertEquals(bytes.length, info.get().size());
      assertEquals(etag, info.get().etag());
      assertEquals("image/png", info.get().contentType());
      assertEquals("job-1", info.get().metadata().get("job-id"), info.get().metadata().toString());
      assertEquals("unit test", info.get().metadata().get("source"));

      assertTrue(store.exists("test-raw", "photos/b.png"));
      assertFalse(store.exists("test-raw", "photos/nope.png"));
      assertTrue(store.stat("test-raw", "photos/nope.png").isEmpty());

      List<String> keys =
          store.list("test-raw", "photos/").stream().map(ObjectSummary::key).toList();
      assertEquals(List.of("photos/a.png", "photos/b.png"), keys);
      assertEquals(3, store.list("test-raw", "").size());

      ObjectMissingException missing =
          assertThrows(
              ObjectMissingException.class, () -> store.get("test-raw", "photos/nope.png", 1024));
      assertEquals("object_missing", missing.failureCode().code());
      assertEquals("no such object: s3://test-raw/photos/nope.png", missing.getMessage());
      // a missing bucket is named as one (it used to read "no such object")
      ObjectMissingException noBucket =
          assertThrows(
              ObjectMissingException.class, () -> store.get("no-such-bucket", "x.png", 1024));
      assertEquals(
          "no such bucket: no-such-bucket (for s3://no-such-bucket/x.png)", noBucket.getMessage());

      store.delete("test-raw", "other/c.png");
      assertFalse(store.exists("test-raw", "other/c.png"));
    }
  }

  @Test
  @Order(3)
  void topicsExistWithConfiguredPartitions() throws Exception {
    Topics topics = new Topics(stack.config());
    try (Admin admin = Admin.create(KafkaClients.adminProperties(stack.config()))) {
      Map<String, TopicDescription> d =
          admin.describeTopics(topics.all()).allTopicNames().get(10, TimeUnit.SECONDS);
      assertEquals(Set.of("cutflow.jobs", "cutflow.results", "cutflow.dead-letters"), d.keySet());
      for (TopicDescription td : d.values()) {
        assertEquals(PARTITIONS, td.partitions().size(), td.name());
      }
      assertEquals(Set.of(), topics.ensureTopics(admin)); // idempotent: nothing new
    }
  }

  @Test
  @Order(4)
  void jobRequestThroughRealKafka() throws Exception {
    CutflowConfig c = stack.config();
    Topics topics = new Topics(c);
    JobCodec codec = new JobCodec();
    JobRequest sent =
        JobRequest.of(
                "job-kafka-1",
                JobRequest.Source.of("test-raw", "photos/a.png"),
                Instant.parse("2025-01-31T12:00:00Z"))
            .withAttributes(Map.of("trace", "t-1"));

    RecordMetadata meta;
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(KafkaClients.producerProperties(c, "test-producer"))) {
      meta =
          producer
              .send(new ProducerRecord<>(topics.jobs(), sent.jobId(), codec.encode(sent)))
              .get(20, TimeUnit.SECONDS);
    }
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(KafkaClients.consumerProperties(c, "test-group", "test-consumer"))) {
      consumer.subscribe(List.of(topics.jobs()));
      List<ConsumerRecord<String, String>> got = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (got.isEmpty() && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(got::add);
      }
      assertEquals(1, got.size());
      ConsumerRecord<String, String> rec = got.get(0);
      assertEquals("job-kafka-1", rec.key());
      assertEquals(meta.partition(), rec.partition());
      assertEquals(sent, codec.decodeRequest(rec.value()));
      consumer.commitSync(
          Map.of(
              new TopicPartition(rec.topic(), rec.partition()),
              new OffsetAndMetadata(rec.offset() + 1)));
    }
  }

  @Test
  @Order(5)
  void anIdleBrokerAppendsNothingToItsMetadataLog() throws Exception {
    // Kafka's default has the controller append a no-op record every 500 ms
    Path log = stack.kafka().dir().resolve("data").resolve("__cluster_metadata-0");
    long before = segmentBytes(log);
    Thread.sleep(2_000);
    assertEquals(before, segmentBytes(log), "bytes of " + log + "'s segments after 2 s idle");
  }

  private static long segmentBytes(Path partitionDir) throws IOException {
    try (Stream<Path> files = Files.list(partitionDir)) {
      long sum = 0;
      for (Path f : files.filter(f -> f.toString().endsWith(".log")).toList()) {
        sum += Files.size(f);
      }
      return sum;
    }
  }

  @Test
  @Order(99)
  void closeLeavesNoChildProcess() throws Exception {
    var kafkaDir = stack.kafka().dir();
    stack.close();
    stack = null;
    for (ProcessHandle h : children) {
      assertFalse(h.isAlive(), "child " + h.pid() + " still alive");
      assertFalse(ProcessHandle.of(h.pid()).map(ProcessHandle::isAlive).orElse(false));
    }
    assertTrue(
        ProcessHandle.current()
            .children()
            .noneMatch(h -> children.stream().anyMatch(c -> c.pid() == h.pid())));
    assertFalse(Files.exists(kafkaDir), "run directory not deleted: " + kafkaDir);
  }
}
