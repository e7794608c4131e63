package io.cutflow.ingest.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.job.CutoutOptions;
import io.cutflow.common.job.FailureCode;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobRequest;
import io.cutflow.common.job.JobResult;
import io.cutflow.common.kafka.Topics;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobStatusTopologyTest {
  private static final Topics TOPICS = new Topics("jobs", "results", "dead", 3, (short) 1);
  private static final String APP = "status-test";

  private final JobCodec codec = new JobCodec();
  private final List<JobResult> seen = new ArrayList<>();
  @TempDir Path stateDir;
  private TopologyTestDriver driver;
  private TestInputTopic<String, String> jobs;
  private TestInputTopic<String, String> results;
  private KeyValueStore<String, JobStatus> store;

  @BeforeEach
  void setUp() {
    driver =
        new TopologyTestDriver(JobStatusTopology.build(TOPICS, codec, seen::add), props(stateDir));
    jobs = driver.createInputTopic("jobs", new StringSerializer(), new StringSerializer());
    results = driver.createInputTopic("results", new StringSerializer(), new StringSerializer());
    store = driver.getKeyValueStore(JobStatusTopology.STORE);
  }

  @AfterEach
  void tearDown() {
    driver.close();
  }

  private static Properties props(Path dir) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, APP);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
    return p;
  }

  private static JobRequest request(String id) {
    return new JobRequest(
        JobRequest.SCHEMA,
        id,
        new JobRequest.Source("raw", id + "/a.jpg", "etag", 123L),
        null,
        CutoutOptions.DEFAULTS
            .with(CutoutOptions.ONLY_MASK, true)
            .with(CutoutOptions.BGCOLOR, List.of(1, 2, 3, 255)),
        Instant.parse("2025-01-01T00:00:00Z"),
        java.util.Map.of("file_name", "a.jpg"));
  }

  private static JobResult ok(String id) {
    return JobResult.ok(
        request(id),
        new JobResult.StoredObject("cutouts", id + ".png", 999),
        new JobResult.Image(640, 480),
        "isnet-general-use-fp16",
        "w1",
        1,
        new JobResult.Timings(1, 2, 3, 1000, 5, 6, 7, 1024),
        Instant.parse("2025-01-01T00:00:01Z"),
        Instant.parse("2025-01-01T00:00:02Z"));
  }

  private static JobResult failed(String id, FailureCode code) {
    return JobResult.failed(
        request(id),
        code,
        "nope",
        null,
        "isnet-general-use-fp16",
        "w1",
        1,
        JobResult.Timings.NONE,
        null,
        Instant.parse("2025-01-01T00:00:02Z"));
  }

  @Test
  void requestMakesQueuedThenResultMakesDone() {
    jobs.pipeInput("j1", codec.encode(request("j1")));
    JobStatus s = store.get("j1");
    assertEquals(JobStatus.State.QUEUED, s.state());
    assertEquals("raw", s.request().source().bucket());
    assertNull(s.result());

    results.pipeInput("j1", codec.encode(ok("j1")));
    s = store.get("j1");
    assertEquals(JobStatus.State.DONE, s.state());
    assertEquals(640, s.result().image().width());
    assertEquals(1000, s.result().timingsMs().inference());
    assertEquals("cutouts", s.result().output().bucket());
    assertNotNull(s.request(), "the request seen earlier is kept");
    assertEquals(List.of(1, 2, 3, 255), s.request().options().bgcolor());
  }

  @Test
  void failedResultCarriesCodeAndMessage() {
    jobs.pipeInput("j2", codec.encode(request("j2")));
    results.pipeInput("j2", codec.encode(failed("j2", FailureCode.NOT_AN_IMAGE)));
    JobStatus s = store.get("j2");
    assertEquals(JobStatus.State.FAILED, s.state());
    assertEquals(FailureCode.NOT_AN_IMAGE, s.result().failure().code());
    assertEquals("nope", s.result().failure().message());
  }

  @Test
  void resultBeforeRequestAndRepublishedRequestDoNotMakeAFinishedJobQueued() {
    results.pipeInput("j3", codec.encode(ok("j3")));
    assertEquals(JobStatus.State.DONE, store.get("j3").state());
    assertNull(store.get("j3").request());
    jobs.pipeInput("j3", codec.encode(request("j3")));
    assertEquals(JobStatus.State.DONE, store.get("j3").state());
    assertNotNull(store.get("j3").request(), "a late request still fills in the request");
  }

  @Test
  void latestResultWins() {
    results.pipeInput("j4", codec.encode(failed("j4", FailureCode.STORAGE_FAILED)));
    assertEquals(JobStatus.State.FAILED, store.get("j4").state());
    results.pipeInput("j4", codec.encode(ok("j4")));
    assertEquals(JobStatus.State.DONE, store.get("j4").state());
  }

  @Test
  void unparseableRecordsAreSkipped() {
    jobs.pipeInput("x", "not json");
    jobs.pipeInput("y", "{\"schema\":\"cutflow.job-request/v1\"}");
    results.pipeInput("z", "{}");
    assertNull(store.get("x"));
    assertNull(store.get("y"));
    assertNull(store.get("z"));
    assertTrue(seen.isEmpty());
  }

  @Test
  void everyResultReachesTheListener() {
    results.pipeInput("a", codec.encode(ok("a")));
    results.pipeInput("b", codec.encode(failed("b", FailureCode.IMAGE_CORRUPT)));
    assertEquals(List.of("a", "b"), seen.stream().map(JobResult::jobId).toList());
    assertTrue(seen.get(0).isOk());
  }

  @Test
  void storeIsLoggedToAChangelog() {
    jobs.pipeInput("j5", codec.encode(request("j5")));
    results.pipeInput("j5", codec.encode(ok("j5")));
    String changelog = APP + "-" + JobStatusTopology.STORE + "-changelog";
    assertTrue(
        driver.producedTopicNames().contains(changelog), driver.producedTopicNames().toString());
    TestOutputTopic<String, JobStatus> log =
        driver.createOutputTopic(
            changelog, new StringDeserializer(), new JobStatusSerde().deserializer());
    List<JobStatus> entries = log.readValuesToList();
    assertEquals(2, entries.size());
    assertEquals(JobStatus.State.DONE, entries.get(1).state());

    // restoring replays exactly these values into the store (the real restore is in
    // IngestHttpEndToEndTest)
    assertEquals(store.get("j5"), entries.get(1));
  }

  @Test
  void statusIsKeyedByTheJobIdInTheRecordWhateverTheProducersKey() {
    // an outside producer keyed the job by something else, the worker keyed the result by job id
    jobs.pipeInput("upload-7", codec.encode(request("k1")));
    assertEquals(JobStatus.State.QUEUED, store.get("k1").state());
    assertNull(store.get("upload-7"), "the producer's key is not a job id");
    results.pipeInput("k1", codec.encode(ok("k1")));
    assertEquals(JobStatus.State.DONE, store.get("k1").state());
    assertNotNull(store.get("k1").request(), "request and result met under the job id");

    // and the other way round: the job keyed by its id, the result by something else
    jobs.pipeInput("k2", codec.encode(request("k2")));
    results.pipeInput("worker-3", codec.encode(failed("k2", FailureCode.IMAGE_CORRUPT)));
    assertEquals(JobStatus.State.FAILED, store.get("k2").state());
    assertNotNull(store.get("k2").request());
    assertNull(store.get("worker-3"));
  }

  @Test
  void nullKeysAreKeyedByTheJobId() {
    jobs.pipeInput((String) null, codec.encode(request("n1")));
    assertEquals(JobStatus.State.QUEUED, store.get("n1").state());
    results.pipeInput((String) null, codec.encode(ok("n1")));
    JobStatus s = store.get("n1");
    assertEquals(JobStatus.State.DONE, s.state());
    assertNotNull(s.request());
    assertEquals(List.of("n1"), seen.stream().map(JobResult::jobId).toList());
  }

  @Test
  void jobsAndResultsGoThroughOneRepartitionTopicKeyedByJobId() {
    jobs.pipeInput("other", codec.encode(request("r1")));
    results.pipeInput((String) null, codec.encode(ok("r1")));
    String repartition = JobStatusTopology.repartitionTopic(APP);
    assertTrue(
        driver.producedTopicNames().contains(repartition), driver.producedTopicNames().toString());
    TestOutputTopic<String, JobStatus> topic =
        driver.createOutputTopic(
            repartition, new StringDeserializer(), new JobStatusSerde().deserializer());
    List<org.apache.kafka.streams.KeyValue<String, JobStatus>> records =
        topic.readKeyValuesToList();
    assertEquals(List.of("r1", "r1"), records.stream().map(kv -> kv.key).toList());
    assertEquals(JobStatus.State.QUEUED, records.get(0).value.state());
    assertEquals(JobStatus.State.DONE, records.get(1).value.state());
  }

  @Test
  void serdeRoundTrips() {
    JobStatus s = JobStatus.merge(JobStatus.queued(request("r")), JobStatus.finished(ok("r")));
    JobStatusSerde serde = new JobStatusSerde();
    assertEquals(s, serde.deserializer().deserialize("t", serde.serializer().serialize("t", s)));
  }
}
