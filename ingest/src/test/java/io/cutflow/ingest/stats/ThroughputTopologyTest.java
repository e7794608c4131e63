package io.cutflow.ingest.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutflow.common.job.FailureCode;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobRequest;
import io.cutflow.common.job.JobResult;
import io.cutflow.common.kafka.Topics;
import io.cutflow.ingest.status.JobStatusTopology;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The throughput windows of the ingest topology, driven by record timestamps. */
class ThroughputTopologyTest {
  private static final Topics TOPICS = new Topics("jobs", "results", "dead", "tp", 3, (short) 1);
  private static final String APP = "throughput-test";
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final JobCodec codec = new JobCodec();
  @TempDir Path stateDir;
  private TopologyTestDriver driver;
  private TestInputTopic<String, String> results;
  private WindowStore<String, Throughput> minutes;
  private WindowStore<String, Throughput> hours;
  private int seq;

  @BeforeEach
  void setUp() {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, APP);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    driver = new TopologyTestDriver(JobStatusTopology.build(TOPICS, codec, r -> {}), p);
    results = driver.createInputTopic("results", new StringSerializer(), new StringSerializer());
    minutes = driver.getWindowStore(ThroughputTopology.Window.ONE_MINUTE.store);
    hours = driver.getWindowStore(ThroughputTopology.Window.ONE_HOUR.store);
  }

  @AfterEach
  void tearDown() {
    driver.close();
  }

  private static JobRequest request(String id) {
    return new JobRequest(
        JobRequest.SCHEMA,
        id,
        new JobRequest.Source("raw", id + "/a.jpg", "etag", 123L),
        null,
        null,
        T0,
        Map.of());
  }

  private void ok(Instant at, String model, String worker, long totalMs, long inferenceMs) {
    String id = "j" + seq++;
    JobResult r =
        JobResult.ok(
            request(id),
            new JobResult.StoredObject("cutouts", id + ".png", 9),
            new JobResult.Image(2000, 1000),
            model,
            worker,
            1,
            new JobResult.Timings(1, 1, 1, inferenceMs, 1, 1, 1, totalMs),
            at,
            at);
    results.pipeInput(id, codec.encode(r), at);
  }

  private void failed(Instant at, FailureCode code) {
    String id = "j" + seq++;
    JobResult r =
        JobResult.failed(
            request(id), code, "no", null, "u2net", "w1", 1, JobResult.Timings.NONE, at, at);
    results.pipeInput(id, codec.encode(r), at);
  }

  private Throughput window(WindowStore<String, Throughput> store, Instant start) {
    return store.fetch("all", start.toEpochMilli());
  }

  @Test
  void countsByStatusCodeModelWorkerAndPixelsWithLatencyPercentiles() {
    for (int i = 1; i <= 20; i++) {
      ok(T0.plusSeconds(i), i % 2 == 0 ? "u2net" : "isnet", "w" + (i % 3), i * 10L, i);
    }
    failed(T0.plusSeconds(30), FailureCode.NOT_AN_IMAGE);
    failed(T0.plusSeconds(31), FailureCode.NOT_AN_IMAGE);
    failed(T0.plusSeconds(32), FailureCode.IMAGE_TRUNCATED);

    Throughput t = window(minutes, T0);
    assertEquals(20, t.ok());
    assertEquals(3, t.failed());
    assertEquals(Map.of("not_an_image", 2L, "image_truncated", 1L), t.byFailureCode());
    assertEquals(Map.of("u2net", 13L, "isnet", 10L), t.byModel());
    assertEquals(23L, t.byWorker().values().stream().mapToLong(Long::longValue).sum());
    assertEquals(20 * 2_000_000L, t.inputPixels());
    // the 10th and 19th of 20 values 10, 20, ... 200 (failures without timings do not count)
    assertEquals(100, t.totalMs(50));
    assertEquals(190, t.totalMs(95));
    assertEquals(10, t.inferenceMs(50));
    assertEquals(19, t.inferenceMs(95));
    assertEquals(23, window(hours, T0).ok() + window(hours, T0).failed());
  }

  @Test
  void windowBoundariesAreTumbling() {
    ok(T0, "u2net", "w1", 10, 5);
    ok(T0.plusMillis(59_999), "u2net", "w1", 10, 5);
    ok(T0.plusSeconds(60), "u2net", "w1", 10, 5);
    ok(T0.plusSeconds(3600), "u2net", "w1", 10, 5);

    assertEquals(2, window(minutes, T0).ok());
    assertEquals(1, window(minutes, T0.plusSeconds(60)).ok());
    assertEquals(1, window(minutes, T0.plusSeconds(3600)).ok());
    assertEquals(3, window(hours, T0).ok());
    assertEquals(1, window(hours, T0.plusSeconds(3600)).ok());
  }

  @Test
  void outOfOrderWithinGraceCountsAndLaterIsDroppedFromTheMinuteOnly() {
    ok(T0.plusSeconds(10), "u2net", "w1", 10, 5);
    ok(T0.plusSeconds(70), "u2net", "w1", 10, 5); // stream time 1:10
    ok(T0.plusSeconds(50), "u2net", "w1", 10, 5); // out of order, the first window is open
    assertEquals(2, window(minutes, T0).ok());

    ok(T0.plusSeconds(100), "u2net", "w1", 10, 5); // stream time 1:40: [0, 1:00) + 30 s closed
    ok(T0.plusSeconds(40), "u2net", "w1", 10, 5); // too late for the minute...
    assertEquals(2, window(minutes, T0).ok());
    // ...but within the hour's grace
    assertEquals(5, window(hours, T0).ok());
  }

  @Test
  void everyUpdateIsPublishedAsJsonKeyedByWindowAndStart() throws Exception {
    ok(T0.plusSeconds(1), "u2net", "w1", 100, 50);
    failed(T0.plusSeconds(2), FailureCode.NOT_AN_IMAGE);
    TestOutputTopic<String, String> out =
        driver.createOutputTopic("tp", new StringDeserializer(), new StringDeserializer());
    Map<String, String> last = out.readKeyValuesToMap();
    assertEquals(java.util.Set.of("1m@" + T0, "1h@" + T0), last.keySet(), last.keySet().toString());
    JsonNode minute = JSON.readTree(last.get("1m@" + T0));
    assertEquals("1m", minute.get("window").asText());
    assertEquals(1, minute.get("ok").asLong());
    assertEquals(1, minute.get("failed").asLong());
    assertEquals(1, minute.get("by_failure_code").get("not_an_image").asLong());
    assertEquals(100, minute.get("latency_ms").get("p50").asLong());
  }

  @Test
  void windowStoreIsLoggedAndTheChangelogHoldsTheWholeAggregate() {
    ok(T0.plusSeconds(1), "u2net", "w1", 100, 50);
    ok(T0.plusSeconds(2), "isnet", "w2", 300, 70);
    String changelog = APP + "-" + ThroughputTopology.Window.ONE_MINUTE.store + "-changelog";
    assertTrue(
        driver.producedTopicNames().contains(changelog), driver.producedTopicNames().toString());
    TestOutputTopic<byte[], Throughput> log =
        driver.createOutputTopic(
            changelog, new ByteArrayDeserializer(), new ThroughputSerde().deserializer());
    List<KeyValue<byte[], Throughput>> entries = log.readKeyValuesToList();
    assertEquals(2, entries.size());
    KeyValue<byte[], Throughput> latest = entries.get(1);
    // a window store's changelog key: the record key, the window start, a sequence number
    ByteBuffer key = ByteBuffer.wrap(latest.key);
    assertEquals(T0.toEpochMilli(), key.getLong(latest.key.length - 12));
    assertEquals("all", new String(latest.key, 0, latest.key.length - 12, StandardCharsets.UTF_8));
    // restoring replays this value into the store: it alone rebuilds the window
    Throughput restored = latest.value;
    Throughput live = window(minutes, T0);
    assertEquals(live.ok(), restored.ok());
    assertEquals(live.byModel(), restored.byModel());
    assertEquals(live.byWorker(), restored.byWorker());
    assertEquals(live.totalMs(95), restored.totalMs(95));
    assertEquals(live.inferenceMs(50), restored.inferenceMs(50));
  }

  @Test
  void lastMinuteMergesTheCurrentAndThePreviousWindow() {
    ok(T0.plusSeconds(50), "u2net", "w1", 100, 50);
    failed(T0.plusSeconds(55), FailureCode.NOT_AN_IMAGE);
    ok(T0.plusSeconds(65), "u2net", "w1", 300, 50);

    ObjectNode now =
        ThroughputQuery.last(ThroughputTopology.Window.ONE_MINUTE, minutes, T0.plusSeconds(80));
    assertEquals(2, now.get("ok").asLong());
    assertEquals(1, now.get("failed").asLong());
    assertEquals(T0.toString(), now.get("from").asText());
    assertEquals(T0.plusSeconds(120).toString(), now.get("to").asText());
    assertEquals(3 / 80.0, now.get("images_per_second").asDouble(), 0.001);
    assertEquals(1, now.get("by_model").size());

    ObjectNode later =
        ThroughputQuery.last(
            ThroughputTopology.Window.ONE_MINUTE, minutes, T0.plus(Duration.ofMinutes(5)));
    assertEquals(0, later.get("ok").asLong());
    assertEquals(0, later.get("latency_ms").get("p95").asLong());
  }

  @Test
  void serdeRoundTripsAndAnUnknownWindowIsNamed() {
    Throughput t = new Throughput();
    ok(T0, "u2net", "w1", 123, 45);
    t.merge(window(minutes, T0));
    Throughput back = ThroughputSerde.read(ThroughputSerde.write(t));
    assertEquals(1, back.ok());
    assertEquals(t.totalMs(50), back.totalMs(50));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ThroughputTopology.Window.of("5m"));
    assertTrue(e.getMessage().contains("window=1m"), e.getMessage());
    assertNull(minutes.fetch("all", T0.plusSeconds(600).toEpochMilli()));
  }
}
