package io.cutflow.standalone.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.KafkaConfig;
import io.cutflow.common.config.StorageConfig;
import io.cutflow.common.job.CutoutOptions;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobRequest;
import io.cutflow.common.kafka.Topics;
import io.cutflow.common.process.JavaProcess;
import io.cutflow.common.store.ObjectStore;
import io.cutflow.ingest.http.IngestServer;
import io.cutflow.standalone.infra.EmbeddedStack;
import io.cutflow.standalone.infra.IngestHttp;
import io.cutflow.standalone.infra.IngestUnderTest;
import io.cutflow.standalone.infra.WorkerUnderTest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Partitioner;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Jobs published straight to the jobs topic by a producer that is not the ingest: a plain Java
 * {@link KafkaProducer} with librdkafka's default partitioning (CRC32 of the key, a random
 * partition for a null key) instead of Java's murmur2, some keyed by the job id, some by another
 * key, some with a null key. The worker keys results by job id (murmur2), so a job and its result
 * sit on different partition numbers; every job must still reach {@code done} in {@code GET
 * /v1/jobs/{id}}. Embedded stack: real broker, real S3 server, a real worker process; the ingest
 * server in this JVM.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutsideProducerStatusEndToEndTest {
  private static final String KEY = "outside-secret";
  private static final int PARTITIONS = 4;
  private static final Duration RESULT_WAIT = Duration.ofSeconds(180);

  private final ObjectMapper json = new ObjectMapper();
  private final IngestHttp client = new IngestHttp(() -> this.server.url(), KEY);
  private EmbeddedStack stack;
  private JavaProcess worker;
  private IngestServer server;

  /** librdkafka's {@code consistent_random}: CRC32 of the key, random for a null key. */
  public static final class Crc32Partitioner implements Partitioner {
    @Override
    public int partition(
        String topic, Object key, byte[] keyBytes, Object value, byte[] valueBytes, Cluster c) {
      int n = c.partitionCountForTopic(topic);
      if (keyBytes == null) {
        return ThreadLocalRandom.current().nextInt(n);
      }
      CRC32 crc = new CRC32();
      crc.update(keyBytes);
      return (int) (crc.getValue() % n);
    }

    @Override
    public void close() {}

    @Override
    public void configure(Map<String, ?> configs) {}
  }

  @BeforeAll
  void start() throws Exception {
    stack =
        EmbeddedStack.start(
            CutflowConfig.isolated(Map.of("cutflow.kafka.partitions", String.valueOf(PARTITIONS))));
    worker = WorkerUnderTest.start(stack, "outside-worker");
    CutflowConfig config =
        IngestUnderTest.config(stack, "outside-status", Map.of("cutflow.ingest.api-key", KEY));
    server = IngestServer.start(config, 0, new MetricRegistry());
    assertTrue(server.awaitReady(Duration.ofSeconds(90)), "status store ready");
  }

  @AfterAll
  void stop() throws Exception {
    WorkerUnderTest.closeAll(server, worker, stack);
  }

  @Test
  void jobsFromACrc32ProducerWithForeignAndNullKeysAllReachDone() throws Exception {
    CutflowConfig config = stack.config();
    Topics topics = new Topics(config);
    JobCodec codec = new JobCodec();
    String raw = config.getString(StorageConfig.BUCKET_RAW);
    byte[] png = ShapeImage.png(200, 150);
    List<String> ids = new ArrayList<>();
    int moved = 0; // jobs whose jobs-topic partition differs from where murmur2 puts their id
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.getString(KafkaConfig.BOOTSTRAP_SERVERS));
    p.put(ProducerConfig.PARTITIONER_CLASS_CONFIG, Crc32Partitioner.class.getName());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    try (ObjectStore store = ObjectStore.fromConfig(config);
        KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      for (int i = 0; i < 9; i++) {
        String id = "outside-" + i + "-" + UUID.randomUUID().toString().substring(0, 8);
        String key = id + "/shape.png";
        String etag = store.put(raw, key, png, "image/png", Map.of());
        JobRequest request =
            new JobRequest(
                JobRequest.SCHEMA,
                id,
                new JobRequest.Source(raw, key, etag, (long) png.length),
                null,
                CutoutOptions.DEFAULTS,
                Instant.now(),
                Map.of("submitted_via", "outside-producer"));
        // a third keyed by the job id, a third by an unrelated key, a third with no key
        String recordKey =
            switch (i % 3) {
              case 0 -> id;
              case 1 -> "upload-" + i;
              default -> null;
            };
        RecordMetadata md =
            producer
                .send(new ProducerRecord<>(topics.jobs(), recordKey, codec.encode(request)))
                .get();
        int murmur2 = Utils.toPositive(Utils.murmur2(id.getBytes(StandardCharsets.UTF_8)));
        if (md.partition() != murmur2 % PARTITIONS) {
          moved++;
        }
        ids.add(id);
      }
    }
    // the test can only fail on the old topology if some job sits where its result will not
    assertTrue(moved > 0, "no job landed off its murmur2 partition; the check would prove nothing");

    for (String id : ids) {
      JsonNode done = awaitDone(id);
      assertEquals(id, done.get("job_id").asText());
      assertTrue(done.get("image").get("width").asInt() > 0, done.toString());
      HttpResponse<byte[]> cutout = client.get("/v1/jobs/" + id + "/cutout", true);
      assertEquals(200, cutout.statusCode());
      assertEquals("image/png", cutout.headers().firstValue("Content-Type").orElse(""));
    }
  }

  private JsonNode awaitDone(String id) throws Exception {
    long deadline = System.nanoTime() + RESULT_WAIT.toNanos();
    String last = null;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = client.getString("/v1/jobs/" + id, true);
      last = r.statusCode() + " " + r.body();
      if (r.statusCode() == 200) {
        JsonNode s = json.readTree(r.body());
        if ("done".equals(s.get("status").asText())) {
          return s;
        }
      }
      Thread.sleep(200);
    }
    if (!worker.isAlive()) {
      fail("worker died: " + worker.logTail(30));
    }
    fail("job " + id + " not done in time; last answer: " + last);
    return null;
  }
}
