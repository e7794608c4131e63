package io.cutflow.standalone.bucket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.job.CutoutOptions;
import io.cutflow.common.job.DeadLetter;
import io.cutflow.common.job.FailureCode;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobResult;
import io.cutflow.common.kafka.KafkaClients;
import io.cutflow.common.kafka.Topics;
import io.cutflow.common.process.JavaProcess;
import io.cutflow.common.store.ObjectStore;
import io.cutflow.ingest.bucket.BucketEvent;
import io.cutflow.ingest.bucket.BucketEventFormat;
import io.cutflow.ingest.bucket.BucketWatch;
import io.cutflow.ingest.folder.FolderWatch;
import io.cutflow.ingest.http.IngestServer;
import io.cutflow.standalone.infra.EmbeddedStack;
import io.cutflow.standalone.infra.IngestUnderTest;
import io.cutflow.standalone.infra.TestPhotos;
import io.cutflow.standalone.infra.WorkerUnderTest;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Uploads straight to {@code cutflow-inbox} become cutouts with no Cutflow command, as on {@code
 * cutflow up}: a real broker, a real S3 server (S3Proxy, which cannot notify, so the bucket watcher
 * lists it), the bridge inside the ingest server and a real worker process. Half-way the watcher
 * and the bridge are stopped and restarted, and an event is delivered twice: every upload still
 * makes exactly one job and one result, two uploads whose cutouts would share a key (one on each
 * side of the restart) get one cutout each, and deleting one gives its cutout's name back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BucketUploadEndToEndTest {
  private static final String INBOX = "cutflow-inbox";
  private static final Duration WAIT = Duration.ofMinutes(6);

  /** Source key → photo (null bytes for the bad files). */
  private record Upload(String key, byte[] bytes, String contentType, int width, int height) {}

  private final JobCodec codec = new JobCodec();
  @TempDir Path tmp;
  private EmbeddedStack stack;
  private JavaProcess worker;
  private CutflowConfig config;
  private IngestServer server;
  private BucketWatch watch;
  private ObjectStore store;

  @BeforeAll
  void start() throws Exception {
    Assumptions.assumeTrue(TestPhotos.dir() != null, "no shared/testdata/photos");
    stack = EmbeddedStack.start(CutflowConfig.isolated(Map.of("cutflow.kafka.partitions", "2")));
    worker = WorkerUnderTest.start(stack, "bucket-e2e-worker");
    config =
        IngestUnderTest.config(
            stack,
            "e2e-status",
            Map.of("cutflow.bridge.enabled", "true", "cutflow.watch.interval-ms", "500"));
    store = ObjectStore.fromConfig(config);
    store.ensureBucket(INBOX);
  }

  @AfterAll
  void stop() throws Exception {
    WorkerUnderTest.closeAll(watch, server, store, worker, stack);
  }

  private MetricRegistry startBridgeAndWatcher() throws Exception {
    MetricRegistry registry = new MetricRegistry();
    server = IngestServer.start(config, 0, registry);
    assertTrue(server.awaitReady(Duration.ofSeconds(90)), "status store ready");
    assertTrue(server.awaitBridge(Duration.ofSeconds(90)), "bridge running");
    watch = BucketWatch.connect(config, INBOX, "", registry).start();
    return registry;
  }

  @Test
  void everyUploadBecomesOneCutoutOrOneFailureAcrossARestart() throws Exception {
    List<Upload> uploads = uploads();
    List<Upload> first = uploads.subList(0, 6);
    List<Upload> second = uploads.subList(6, uploads.size());
    Map<String, String> eTags = new HashMap<>();

    MetricRegistry before = startBridgeAndWatcher();
    for (Upload u : first) {
      eTags.put(u.key(), store.put(INBOX, u.key(), u.bytes(), u.contentType(), Map.of()));
    }
    await(() -> before.counter("cutflow.watch.published").getCount() >= first.size(), "watcher");
    await(() -> before.counter("cutflow.bridge.events.job").getCount() >= 1, "first job");

    // the watcher and the bridge go down mid-way; uploads go on
    watch.close();
    server.close();
    for (Upload u : second) {
      eTags.put(u.key(), store.put(INBOX, u.key(), u.bytes(), u.contentType(), Map.of()));
    }
    MetricRegistry after = startBridgeAndWatcher();
    // an at-least-once sender (MinIO's queue_dir) delivers the first upload's event again
    Upload again = first.get(0);
    try (KafkaProducer<String, String> p =
        new KafkaProducer<>(KafkaClients.producerProperties(config, "e2e-redeliver"))) {
      BucketEvent event =
          new BucketEvent(
              BucketEvent.CREATED_PUT,
              INBOX,
              again.key(),
              (long) again.bytes().length,
              eTags.get(again.key()),
              null,
              null,
              Map.of());
      p.send(
              new ProducerRecord<>(
                  "cutflow.bucket-events", event.recordKey(), BucketEventFormat.format(event)))
          .get();
    }

    Map<String, List<JobResult>> results = awaitResults(uploads);
    await(() -> after.counter("cutflow.bridge.events.duplicate").getCount() >= 1, "dedup");
    assertEquals(
        second.size(),
        after.counter("cutflow.watch.published").getCount(),
        "the restarted watcher published only what came while it was down");

    Topics topics = new Topics(config);
    Map<String, Integer> jobsPerId = countByKey(topics.jobs());
    jobsPerId.keySet().removeIf(id -> !id.startsWith("s3-")); // the folder test's jobs
    assertEquals(uploads.size(), jobsPerId.size(), "one job per upload: " + jobsPerId);
    jobsPerId.forEach((id, n) -> assertEquals(1, n, "jobs for " + id));
    countByKey(topics.results()).forEach((id, n) -> assertEquals(1, n, "results for " + id));

    List<DeadLetter> letters = new ArrayList<>();
    for (String v :
        readAll(topics.deadLetters()).values().stream().flatMap(List::stream).toList()) {
      letters.add(codec.decodeDeadLetter(v));
    }
    Set<String> cutoutKeys = new HashSet<>();
    for (Upload u : uploads) {
      JobResult r = results.get(u.key()).get(0);
      if (u.width() > 0) {
        assertEquals(JobResult.Status.OK, r.status(), u.key() + ": " + r.failure());
        String derived = usualCutoutKey(u.key());
        assertEquals("cutflow-cutouts", r.output().bucket());
        String cutoutKey = r.output().key();
        if (uploads.stream()
            .filter(o -> o != u)
            .anyMatch(o -> usualCutoutKey(o.key()).equals(derived))) {
          // two uploads whose usual name is one: whichever the bridge named first has it
          assertTrue(
              cutoutKey.equals(derived) || cutoutKey.equals(u.key() + ".png"),
              "cutout of " + u.key() + ": " + cutoutKey);
        } else {
          assertEquals(derived, cutoutKey, "cutout of " + u.key());
        }
        assertTrue(cutoutKeys.add(cutoutKey), "a second cutout at " + cutoutKey);
        BufferedImage cutout =
            ImageIO.read(
                new ByteArrayInputStream(store.get("cutflow-cutouts", cutoutKey, 64L << 20)));
        assertNotNull(cutout, cutoutKey);
        // the worker's decoded size (after EXIF orientation) is the cutout's, and it is the
        // photo's, turned or not
        assertEquals(r.image().width(), cutout.getWidth(), cutoutKey);
        assertEquals(r.image().height(), cutout.getHeight(), cutoutKey);
        assertEquals(
            List.of(Math.min(u.width(), u.height()), Math.max(u.width(), u.height())),
            List.of(
                Math.min(cutout.getWidth(), cutout.getHeight()),
                Math.max(cutout.getWidth(), cutout.getHeight())),
            cutoutKey);
      } else {
        assertEquals(JobResult.Status.FAILED, r.status(), u.key());
        assertTrue(
            letters.stream()
                .anyMatch(d -> r.jobId().equals(d.jobId()) && d.value().contains(u.key())),
            "a dead letter names " + u.key() + ": " + letters);
      }
    }
    assertEquals(FailureCode.NOT_AN_IMAGE, results.get("bad/notes.txt").get(0).failure().code());

    // bucket-made jobs answer GET /v1/jobs/{id} like any other
    String id = results.get(first.get(1).key()).get(0).jobId();
    HttpResponse<String> status =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(server.url() + "/v1/jobs/" + id)).build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, status.statusCode(), status.body());
    assertEquals("done", new ObjectMapper().readTree(status.body()).get("status").asText());

    // a delete the watcher finds reaches the bridge, which gives the cutout's name back
    store.delete(INBOX, "shop/shoes/a b.jpg");
    await(() -> after.counter("cutflow.watch.deletes").getCount() >= 1, "delete published");
    await(
        () -> after.counter("cutflow.bridge.cutout-names.released").getCount() >= 1,
        "cutout name released");

    measureOneUploadOnTheIdleStack(topics);
  }

  /**
   * One more upload with nothing else queued: prints how long it took from the PUT to the job
   * (watcher + bridge, from the jobs record's timestamp), to the worker's start and through the
   * worker. The figure for the README note; asserts only that the cutout comes.
   */
  private void measureOneUploadOnTheIdleStack(Topics topics) throws Exception {
    String key = "latency/one photo.jpg";
    TestPhotos.Photo photo = TestPhotos.load(TestPhotos.dir(), List.of("girl-1.jpg")).get(0);
    try (KafkaConsumer<String, String> c = consumer()) {
      List<TopicPartition> parts = new ArrayList<>();
      for (String topic : List.of(topics.jobs(), topics.results())) {
        c.partitionsFor(topic).forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
      }
      c.assign(parts);
      c.seekToEnd(parts);
      parts.forEach(c::position); // "end" resolved before the upload
      long put = System.currentTimeMillis();
      store.put(INBOX, key, photo.bytes(), "image/jpeg", Map.of());
      long jobAt = -1;
      JobResult result = null;
      long resultAt = -1;
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (result == null) {
        assertTrue(System.nanoTime() < deadline, "no result for " + key);
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
          if (r.topic().equals(topics.jobs())
              && key.equals(codec.decodeRequest(r.value()).source().key())) {
            jobAt = r.timestamp();
          } else if (r.topic().equals(topics.results())
              && key.equals(codec.decodeResult(r.value()).source().key())) {
            result = codec.decodeResult(r.value());
            resultAt = r.timestamp();
          }
        }
      }
      assertEquals(JobResult.Status.OK, result.status(), String.valueOf(result.failure()));
      System.out.printf(
          "idle-stack latency (watch interval 500 ms): upload->job %d ms (watcher + bridge),"
              + " job->worker start %d ms, worker %d ms, upload->result %d ms%n",
          jobAt - put,
          result.startedAt().toEpochMilli() - jobAt,
          result.finishedAt().toEpochMilli() - result.startedAt().toEpochMilli(),
          resultAt - put);
    }
  }

  @Test
  void aWatchedFolderComesOutInOutdirAndASlowlyWrittenFileIsTakenOnceComplete() throws Exception {
    Path in = Files.createDirectories(tmp.resolve("in"));
    Path out = Files.createDirectories(tmp.resolve("out"));
    List<TestPhotos.Photo> photos =
        TestPhotos.load(TestPhotos.dir(), List.of("car-1.jpg", "girl-1.jpg", "car-3.jpg"));
    Files.write(in.resolve("done.jpg"), photos.get(0).bytes());
    Files.write(out.resolve("done.png"), new byte[] {42}); // an earlier run's output
    FolderWatch watch =
        FolderWatch.connect(
            config.withOverrides(Map.of("cutflow.watch.stable-ms", "1500")),
            in,
            out,
            CutoutOptions.DEFAULTS);
    Thread loop =
        new Thread(
            () -> {
              try {
                watch.runHere();
              } catch (InterruptedException e) {
                // stopped, as Ctrl-C does
              }
            },
            "folder-watch");
    loop.start();
    try {
      Files.createDirectories(in.resolve("a b/ç"));
      Files.write(in.resolve("a b/ç/girl.jpg"), photos.get(1).bytes());
      // written in 4 chunks 0.8 s apart, i.e. never still for the 1.5 s it takes to be taken
      byte[] slow = photos.get(2).bytes();
      Path slowFile = in.resolve("slow.jpeg");
      int chunk = slow.length / 4 + 1;
      for (int off = 0; off < slow.length; off += chunk) {
        Files.write(
            slowFile,
            Arrays.copyOfRange(slow, off, Math.min(slow.length, off + chunk)),
            off == 0
                ? new StandardOpenOption[] {StandardOpenOption.CREATE_NEW}
                : new StandardOpenOption[] {StandardOpenOption.APPEND});
        Thread.sleep(800);
      }
      Path girl = out.resolve("a b/ç/girl.png");
      Path slowOut = out.resolve("slow.png");
      await(() -> Files.exists(girl) && Files.exists(slowOut), "folder cutouts");
      assertSize(photos.get(1), girl);
      assertSize(photos.get(2), slowOut);
    } finally {
      loop.interrupt();
      loop.join(30_000);
      watch.close();
    }
    assertTrue(!loop.isAlive(), "the watch stops when interrupted");
    assertArrayEquals(new byte[] {42}, Files.readAllBytes(out.resolve("done.png")), "skipped");
    Map<String, Integer> byFile = new HashMap<>();
    for (List<String> values : readAll(new Topics(config).jobs()).values()) {
      for (String v : values) {
        String file = codec.decodeRequest(v).attributes().get("file");
        if (file != null) {
          byFile.merge(file, 1, Integer::sum);
        }
      }
    }
    assertEquals(Map.of("a b/ç/girl.jpg", 1, "slow.jpeg", 1), byFile, "each file taken once");
  }

  private static void assertSize(TestPhotos.Photo photo, Path png) throws Exception {
    BufferedImage img = ImageIO.read(png.toFile());
    assertNotNull(img, png.toString());
    assertEquals(photo.width(), img.getWidth(), png.toString());
    assertEquals(photo.height(), img.getHeight(), png.toString());
  }

  private static String usualCutoutKey(String key) {
    return key.substring(0, key.lastIndexOf('.')) + ".png";
  }

  /**
   * 11 photos under nested prefixes (spaces, non-ASCII, .jpeg, .png; the last, uploaded while the
   * bridge is down, a PNG whose usual cutout key is the first's) and 2 bad files.
   */
  private static List<Upload> uploads() throws Exception {
    List<TestPhotos.Photo> photos =
        TestPhotos.load(
            TestPhotos.dir(),
            List.of(
                "car-1.jpg",
                "girl-1.jpg",
                "car-3.jpg",
                "girl-2.jpg",
                "girl-3.jpg",
                "animal-2.jpg",
                "anime-girl-1.jpg",
                "anime-girl-3.jpg",
                "animal-1.jpg",
                "anime-girl-2.jpg",
                "car-2.jpg"));
    List<String> keys =
        List.of(
            "shop/shoes/a b.jpg",
            "catalogue/été/crème brûlée.jpg",
            "deep/er/est/car.jpeg",
            "logos/girl 2.png",
            "写真/猫.jpg",
            "top.jpg",
            "x/y/anime 1.jpg",
            "x/y/anime-3.JPG",
            "Ünïcødé/ånimal.jpg",
            "plus+sign/a+b.jpg",
            "shop/shoes/a b.png");
    List<Upload> out = new ArrayList<>();
    for (int i = 0; i < photos.size(); i++) {
      TestPhotos.Photo p = photos.get(i);
      byte[] bytes = p.bytes();
      String type = "image/jpeg";
      if (keys.get(i).endsWith(".png")) {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(ImageIO.read(new ByteArrayInputStream(bytes)), "png", png);
        bytes = png.toByteArray();
        type = "image/png";
      }
      out.add(new Upload(keys.get(i), bytes, type, p.width(), p.height()));
    }
    out.add(3, new Upload("bad/notes.txt", "not an image".getBytes(), "text/plain", 0, 0));
    byte[] truncated = Arrays.copyOf(photos.get(0).bytes(), 2000);
    out.add(9, new Upload("bad/half.jpg", truncated, "image/jpeg", 0, 0));
    return out;
  }

  private Map<String, List<JobResult>> awaitResults(List<Upload> uploads) throws Exception {
    Map<String, List<JobResult>> bySourceKey = new HashMap<>();
    long deadline = System.nanoTime() + WAIT.toNanos();
    try (KafkaConsumer<String, String> c = consumer()) {
      c.subscribe(List.of(new Topics(config).results()));
      while (bySourceKey.size() < uploads.size()) {
        assertTrue(
            System.nanoTime() < deadline,
            "results for "
                + bySourceKey.keySet()
                + " of "
                + uploads.size()
                + "; worker:\n"
                + worker.logTail(20));
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
          JobResult result = codec.decodeResult(r.value());
          if (!INBOX.equals(result.source().bucket())) {
            continue; // the folder test's jobs
          }
          bySourceKey.computeIfAbsent(result.source().key(), k -> new ArrayList<>()).add(result);
        }
      }
    }
    return bySourceKey;
  }

  /** Every record of {@code topic} up to its current end, grouped by key. */
  private Map<String, List<String>> readAll(String topic) {
    Map<String, List<String>> out = new HashMap<>();
    try (KafkaConsumer<String, String> c = consumer()) {
      List<TopicPartition> parts =
          c.partitionsFor(topic).stream()
              .map(i -> new TopicPartition(topic, i.partition()))
              .toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        assertTrue(System.nanoTime() < deadline, "could not read " + topic + " to its end");
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
          out.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value());
        }
      }
    }
    return out;
  }

  private Map<String, Integer> countByKey(String topic) {
    Map<String, Integer> counts = new HashMap<>();
    readAll(topic).forEach((k, v) -> counts.put(k, v.size()));
    return counts;
  }

  private KafkaConsumer<String, String> consumer() {
    Properties p =
        KafkaClients.consumerProperties(config, "e2e-" + UUID.randomUUID(), "bucket-e2e");
    return new KafkaConsumer<>(p);
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
      Thread.sleep(200);
    }
  }
}
