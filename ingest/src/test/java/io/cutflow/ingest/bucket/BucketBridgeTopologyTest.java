package io.cutflow.ingest.bucket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.cutflow.common.job.DeadLetter;
import io.cutflow.common.job.FailureCode;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobRequest;
import io.cutflow.common.kafka.Topics;
import io.cutflow.ingest.bucket.BridgeRules.Outcome;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bucket bridge on MinIO's and AWS's documented notification shapes (samples under {@code
 * src/test/resources/bucket-events}, written from their docs) and on events the watcher writes.
 */
class BucketBridgeTopologyTest {
  private static final Topics TOPICS = new Topics("jobs", "results", "dead", 3, (short) 1);
  private static final Instant T0 = Instant.parse("2026-12-02T08:00:00Z");

  private final JobCodec codec = new JobCodec();
  private final MetricRegistry registry = new MetricRegistry();
  private final BridgeMetrics metrics = new BridgeMetrics(registry);
  @TempDir Path stateDir;
  private TopologyTestDriver driver;
  private TestInputTopic<String, String> events;
  private TestOutputTopic<String, String> jobs;
  private TestOutputTopic<String, String> dead;

  private void start(String prefix, List<String> suffixes, String outputPrefix, Duration window) {
    BridgeSettings settings =
        new BridgeSettings(
            "events",
            TOPICS,
            Set.of("cutflow-inbox", "photos"),
            prefix,
            suffixes,
            "cutflow-raw",
            "cutflow-cutouts",
            outputPrefix,
            window);
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "bridge-test");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    driver = new TopologyTestDriver(BucketBridgeTopology.build(settings, codec, metrics), p);
    events = driver.createInputTopic("events", new StringSerializer(), new StringSerializer());
    jobs = driver.createOutputTopic("jobs", new StringDeserializer(), new StringDeserializer());
    dead = driver.createOutputTopic("dead", new StringDeserializer(), new StringDeserializer());
  }

  private void start() {
    start("", List.of(), "", Duration.ofDays(7));
  }

  @AfterEach
  void tearDown() {
    if (driver != null) {
      driver.close();
    }
  }

  @Test
  void aMinioPutBecomesAJobOnTheObjectInPlaceWithTheDerivedOutputKey() throws Exception {
    start();
    events.pipeInput("cutflow-inbox/shop/shoes/a b.jpg", sample("minio-put.json"), T0);

    List<KeyValue<String, String>> out = jobs.readKeyValuesToList();
    assertEquals(1, out.size());
    JobRequest job = codec.decodeRequest(out.get(0).value);
    assertEquals(out.get(0).key, job.jobId(), "jobs are keyed by job id");
    assertTrue(job.jobId().matches("s3-[0-9a-f]{32}"), job.jobId());
    assertEquals(
        new JobRequest.Source(
            "cutflow-inbox", "shop/shoes/a b.jpg", "d41d8cd98f00b204e9800998ecf8427e", 200436L),
        job.source(),
        "'+' is a space and %2F a slash");
    assertEquals(new JobRequest.Output("cutflow-cutouts", "shop/shoes/a b.png"), job.output());
    assertEquals(Instant.parse("2026-12-02T08:00:00Z"), job.submittedAt());
    assertEquals(1, metrics.get(Outcome.JOB));
    assertTrue(dead.isEmpty());
  }

  @Test
  void everyRecordOfAnAwsMultiRecordEventWithUnicodeKeysBecomesAJob() throws Exception {
    start();
    events.pipeInput(null, sample("aws-multi.json"), T0);

    List<JobRequest> out = jobs.readValuesToList().stream().map(this::decode).toList();
    assertEquals(2, out.size());
    assertEquals("café/crème brûlée.JPEG", out.get(0).source().key());
    assertEquals(
        "0123456789abcdef0123456789abcdef", out.get(0).source().etag(), "quotes are dropped");
    assertEquals("café/crème brûlée.png", out.get(0).output().key());
    assertEquals("写真/猫.png", out.get(1).source().key());
    assertEquals("写真/猫.png", out.get(1).output().key());
    assertNotEquals(out.get(0).jobId(), out.get(1).jobId());
    assertEquals(2, metrics.get(Outcome.JOB));
  }

  @Test
  void aRedeliveredEventMakesNoSecondJobButNewBytesUnderTheSameKeyDo() throws Exception {
    start();
    String first = created("cutflow-inbox", "a.jpg", 10, "etag-1");
    events.pipeInput("cutflow-inbox/a.jpg", first, T0);
    events.pipeInput("cutflow-inbox/a.jpg", first, T0.plusSeconds(60));
    events.pipeInput(
        "cutflow-inbox/a.jpg", created("cutflow-inbox", "a.jpg", 11, "etag-2"), T0.plusSeconds(61));
    // a redelivery of the first upload on another partition's key still meets the same store
    events.pipeInput("other-key", first, T0.plusSeconds(62));

    List<KeyValue<String, String>> out = jobs.readKeyValuesToList();
    assertEquals(2, out.size(), out.toString());
    assertNotEquals(out.get(0).key, out.get(1).key);
    assertEquals("etag-2", decode(out.get(1).value).source().etag());
    assertEquals(2, metrics.get(Outcome.JOB));
    assertEquals(2, metrics.get(Outcome.DUPLICATE));
  }

  @Test
  void aJobIdIsRememberedForTheConfiguredWindowOnly() {
    start("", List.of(), "", Duration.ofHours(1));
    String event = created("cutflow-inbox", "a.jpg", 10, "etag-1");
    events.pipeInput("k", event, T0);
    events.pipeInput("k", event, T0.plus(Duration.ofMinutes(59)));
    events.pipeInput("k", event, T0.plus(Duration.ofHours(3)));

    assertEquals(2, jobs.readValuesToList().size(), "a duplicate inside the hour, a job after it");
    assertEquals(1, metrics.get(Outcome.DUPLICATE));
  }

  @Test
  void deletesAndTestEventsMakeNoJobsAndNoDeadLetters() throws Exception {
    start();
    events.pipeInput("cutflow-inbox/shop/shoes/a b.jpg", sample("minio-delete.json"), T0);
    events.pipeInput(null, sample("aws-test-event.json"), T0);

    assertTrue(jobs.isEmpty());
    assertTrue(dead.isEmpty());
    assertEquals(1, metrics.get(Outcome.SKIPPED_EVENT));
  }

  @Test
  void badRecordsGoToTheDeadLetterTopicAndTheBridgeGoesOn() throws Exception {
    start();
    events.pipeInput("cutflow-inbox/x.jpg", "{not json", T0);
    events.pipeInput("k2", "{\"Records\":[{\"eventName\":\"s3:ObjectCreated:Put\"}]}", T0);
    events.pipeInput(
        "k3", created("cutflow-inbox", "x.jpg", 5, "e").replace("x.jpg", "100%zz.jpg"), T0);
    events.pipeInput("k4", "[1,2]", T0);
    events.pipeInput("cutflow-inbox/ok.jpg", created("cutflow-inbox", "ok.jpg", 5, "e"), T0);

    List<KeyValue<String, String>> letters = dead.readKeyValuesToList();
    assertEquals(4, letters.size(), letters.toString());
    DeadLetter first = codec.decodeDeadLetter(letters.get(0).value);
    assertEquals("cutflow-inbox/x.jpg", letters.get(0).key);
    assertEquals("{not json", first.value(), "the original record, verbatim");
    assertEquals("cutflow-inbox/x.jpg", first.key());
    assertEquals("events", first.topic());
    assertEquals(FailureCode.MALFORMED_JSON, first.reason());
    assertTrue(first.message().startsWith("bucket event: not JSON"), first.message());
    assertEquals(EventRouter.WORKER_ID, first.workerId());
    DeadLetter second = codec.decodeDeadLetter(letters.get(1).value);
    assertTrue(second.message().contains("s3.bucket.name"), letters.get(1).value);
    assertEquals(FailureCode.SCHEMA_VIOLATION, second.reason(), "JSON, but not an event");
    assertTrue(
        codec.decodeDeadLetter(letters.get(2).value).message().contains("not URL-encoded"),
        letters.get(2).value);
    assertEquals(4, metrics.get(Outcome.DEAD_LETTER));
    assertEquals("ok.jpg", decode(jobs.readValue()).source().key(), "the next event still works");
  }

  @Test
  void anUploadThatCannotBecomeAJobIsDeadLetteredWithItsJobIdAtTheBridge() throws Exception {
    start();
    // a key no worker can take (a ".." segment), then a negative size: each used to go out as a
    // job the worker refused, under an empty key and job id, so its status was never found
    events.pipeInput("k1", created("cutflow-inbox", "shop/../escape.jpg", 5, "e1"), T0);
    events.pipeInput("k2", created("cutflow-inbox", "neg.jpg", -5, "e2"), T0);
    // half a surrogate pair, as a hand-made event's JSON can write it: was internal_error
    events.pipeInput(
        "k4", created("cutflow-inbox", "HALF.jpg", 5, "e4").replace("HALF", "\\ud800"), T0);
    events.pipeInput("k3", created("cutflow-inbox", "ok.jpg", 5, "e3"), T0);

    List<KeyValue<String, String>> letters = dead.readKeyValuesToList();
    assertEquals(3, letters.size(), letters.toString());
    DeadLetter half = codec.decodeDeadLetter(letters.get(2).value);
    assertEquals(FailureCode.SCHEMA_VIOLATION, half.reason(), half.message());
    assertTrue(half.message().contains("unpaired UTF-16 surrogate"), half.message());
    DeadLetter dots = codec.decodeDeadLetter(letters.get(0).value);
    assertEquals(FailureCode.SCHEMA_VIOLATION, dots.reason());
    assertTrue(dots.jobId().startsWith("s3-"), dots.toString());
    assertTrue(
        dots.message().contains("upload cutflow-inbox/shop/../escape.jpg cannot become a job"),
        dots.message());
    assertEquals(
        FailureCode.SCHEMA_VIOLATION, codec.decodeDeadLetter(letters.get(1).value).reason());
    List<KeyValue<String, String>> made = jobs.readKeyValuesToList();
    assertEquals(1, made.size(), made.toString());
    assertEquals("ok.jpg", decode(made.get(0).value).source().key());
    assertEquals(3, metrics.get(Outcome.DEAD_LETTER));
  }

  @Test
  void onlyWatchedBucketsPrefixesAndSuffixesOfRealObjectsMakeJobs() {
    start("in/", List.of(".jpg", ".PNG"), "", Duration.ofDays(7));
    events.pipeInput("k", created("elsewhere", "in/a.jpg", 5, "e1"), T0);
    events.pipeInput("k", created("cutflow-inbox", "out/a.jpg", 5, "e2"), T0);
    events.pipeInput("k", created("cutflow-inbox", "in/a.gif", 5, "e3"), T0);
    events.pipeInput("k", created("cutflow-inbox", "in/empty.jpg", 0, "e4"), T0);
    events.pipeInput("k", created("cutflow-inbox", "in/dir.jpg/", 0, "e5"), T0);
    events.pipeInput("k", created("photos", "in/B.JPG", 5, "e6"), T0);
    events.pipeInput("k", created("cutflow-inbox", "in/c.png", 5, "e7"), T0);

    List<String> keys =
        jobs.readValuesToList().stream().map(v -> decode(v).source().key()).toList();
    assertEquals(List.of("in/B.JPG", "in/c.png"), keys);
    assertEquals(5, metrics.get(Outcome.SKIPPED_FILTER));
  }

  @Test
  void cutflowsOwnWritesNeverMakeJobs() {
    start();
    events.pipeInput("k", created("cutflow-cutouts", "a.png", 5, "e1"), T0);
    events.pipeInput("k", created("cutflow-raw", "job-1/a.jpg", 5, "e2"), T0);
    String submitted =
        created("cutflow-inbox", "b.jpg", 5, "e3")
            .replace(
                "\"eTag\"", "\"userMetadata\":{\"X-Amz-Meta-Cutflow-Job-Id\":\"j1\"},\"eTag\"");
    events.pipeInput("k", submitted, T0);

    assertTrue(jobs.isEmpty());
    assertEquals(3, metrics.get(Outcome.SKIPPED_OWN));
  }

  @Test
  void anOutputPrefixGoesBeforeTheDerivedKey() {
    start("", List.of(), "cutouts/", Duration.ofDays(7));
    events.pipeInput("k", created("cutflow-inbox", "shop/a.b.c.webp", 5, "e"), T0);
    assertEquals("cutouts/shop/a.b.c.png", decode(jobs.readValue()).output().key());
  }

  @Test
  void uploadsThatWouldShareACutoutKeyAreNamedApartAndKeepTheirNames() {
    start();
    events.pipeInput("k", created("cutflow-inbox", "shop/a.jpg", 5, "e1"), T0);
    events.pipeInput("k", created("cutflow-inbox", "shop/a.png", 5, "e2"), T0);
    events.pipeInput("k", created("cutflow-inbox", "shop/A.PNG", 5, "e3"), T0);
    events.pipeInput("k", created("cutflow-inbox", "shop/a.png.jpg", 5, "e4"), T0);
    events.pipeInput("k", created("photos", "shop/a.jpg", 5, "e5"), T0);
    events.pipeInput("k", created("cutflow-inbox", "other/a.png", 5, "e6"), T0);
    // new bytes under keys already named: each keeps the name it had
    events.pipeInput("k", created("cutflow-inbox", "shop/a.png", 6, "e7"), T0);
    events.pipeInput("k", created("cutflow-inbox", "shop/a.jpg", 6, "e8"), T0);

    List<JobRequest> out = jobs.readValuesToList().stream().map(this::decode).toList();
    List<String> named = out.stream().map(j -> j.output().key()).toList();
    assertEquals(
        List.of(
            "shop/a.png",
            "shop/a.png.png",
            "shop/A.PNG~2.png", // A.png and A.PNG.png are a.png and a.png.png where case is ignored
            "shop/a.png.jpg.png", // its usual a.png.png is a.png's
            "shop/a.jpg.png", // the same key in another bucket
            "other/a.png",
            "shop/a.png.png",
            "shop/a.png"),
        named);
    assertEquals(
        List.of("e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8"),
        out.stream().map(j -> j.source().etag()).toList(),
        "every upload is a job, in order");
    assertEquals(5, registry.counter(BridgeMetrics.NAMES_PREFIX + "named-apart").getCount());
  }

  @Test
  void namedJobsAreKeyedByJobIdAndAnOutputPrefixStaysInFront() {
    start("", List.of(), "cutouts/", Duration.ofDays(7));
    events.pipeInput("k", created("cutflow-inbox", "a.jpg", 5, "e1"), T0);
    events.pipeInput("k", created("cutflow-inbox", "a.png", 5, "e2"), T0);

    List<KeyValue<String, String>> out = jobs.readKeyValuesToList();
    assertEquals(2, out.size());
    for (KeyValue<String, String> kv : out) {
      assertEquals(kv.key, decode(kv.value).jobId());
    }
    assertEquals("cutouts/a.png", decode(out.get(0).value).output().key());
    assertEquals("cutouts/a.png.png", decode(out.get(1).value).output().key());
  }

  @Test
  void aDeletedUploadGivesItsCutoutNameBack() throws Exception {
    start();
    events.pipeInput("k", created("cutflow-inbox", "shop/shoes/a b.png", 5, "e1"), T0);
    events.pipeInput("k", created("cutflow-inbox", "shop/shoes/a b.jpg", 5, "e2"), T0);
    // MinIO's documented delete of shop/shoes/a b.jpg frees a b.jpg.png, which is then the usual
    // name of a b.jpg.gif
    events.pipeInput("k", sample("minio-delete.json"), T0);
    events.pipeInput("k", created("cutflow-inbox", "shop/shoes/a b.jpg.gif", 5, "e3"), T0);
    events.pipeInput("k", deleted("cutflow-inbox", "shop/shoes/a b.png"), T0);
    events.pipeInput("k", deleted("cutflow-inbox", "shop/shoes/never-uploaded.png"), T0);
    events.pipeInput("k", created("cutflow-inbox", "shop/shoes/a b.tiff", 5, "e4"), T0);

    List<String> named =
        jobs.readValuesToList().stream().map(v -> decode(v).output().key()).toList();
    assertEquals(
        List.of(
            "shop/shoes/a b.png",
            "shop/shoes/a b.jpg.png",
            "shop/shoes/a b.jpg.png",
            "shop/shoes/a b.png"),
        named);
    assertEquals(2, registry.counter(BridgeMetrics.NAMES_PREFIX + "released").getCount());
    assertEquals(3, metrics.get(Outcome.SKIPPED_EVENT), "deletes make no jobs");
    assertTrue(dead.isEmpty());
  }

  @Test
  void everyOutcomeHasACounterFromTheStart() {
    start();
    for (Outcome o : Outcome.values()) {
      assertEquals(
          0L, registry.getCounters().get("cutflow.bridge.events." + o.metricName()).getCount());
    }
    assertNull(registry.getCounters().get("cutflow.bridge.events.skipped_event"));
  }

  private JobRequest decode(String json) {
    try {
      return codec.decodeRequest(json);
    } catch (Exception e) {
      throw new AssertionError("not a job request: " + json, e);
    }
  }

  /** An upload event as the watcher writes it (MinIO's shape). */
  static String created(String bucket, String key, long size, String eTag) {
    return BucketEventFormat.format(
        new BucketEvent(BucketEvent.CREATED_PUT, bucket, key, size, eTag, null, null, Map.of()));
  }

  /** A delete event (MinIO's shape, as its Kafka target sends one). */
  static String deleted(String bucket, String key) {
    return BucketEventFormat.format(
        new BucketEvent("s3:ObjectRemoved:Delete", bucket, key, null, null, null, null, Map.of()));
  }

  private static String sample(String name) throws IOException {
    try (InputStream in =
        BucketBridgeTopologyTest.class.getResourceAsStream("/bucket-events/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
