package io.cutflow.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpServer;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobRequest;
import io.cutflow.common.kafka.Topics;
import io.cutflow.common.store.ObjectStore;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Store, then publish; a job Kafka refuses takes its object back out of the raw bucket. */
class JobSubmitterTest {
  private HttpServer s3;
  private final List<String> s3Requests = new CopyOnWriteArrayList<>();
  private final List<String> metadataNames = new CopyOnWriteArrayList<>();
  private final MockProducer<String, String> producer =
      new MockProducer<>(false, null, new StringSerializer(), new StringSerializer());
  private JobSubmitter submitter;

  @BeforeEach
  void start() throws Exception {
    // a loopback S3 stand-in that answers every request and records its method and path
    s3 = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    s3.createContext(
        "/",
        ex -> {
          ex.getRequestBody().readAllBytes();
          s3Requests.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath());
          String name = ex.getRequestHeaders().getFirst("x-amz-meta-cutflow-file-name");
          if (name != null) {
            metadataNames.add(name);
          }
          ex.getResponseHeaders().add("ETag", "\"0123456789abcdef\"");
          ex.sendResponseHeaders("DELETE".equals(ex.getRequestMethod()) ? 204 : 200, -1);
          ex.close();
        });
    s3.start();
    CutflowConfig config = LoopbackS3.config(s3, Map.of());
    submitter =
        new JobSubmitter(
            ObjectStore.fromConfig(config), producer, new JobCodec(), new Topics(config), "raw");
  }

  @AfterEach
  void stop() {
    s3.stop(0);
  }

  @Test
  void aJobKafkaRefusesHasItsObjectDeletedBeforeTheFailureIsReported() throws Exception {
    CompletableFuture<JobRequest> submitted = submit("job-1");
    assertEquals(List.of("PUT /raw/job-1/a.png"), s3Requests, "stored before it is published");
    assertFalse(submitted.isDone(), "not done before Kafka answers");

    TimeoutException refused = new TimeoutException("the broker did not answer");
    producer.errorNext(refused);

    ExecutionException e =
        assertThrows(ExecutionException.class, () -> submitted.get(30, TimeUnit.SECONDS));
    assertSame(refused, e.getCause(), "the caller sees Kafka's own error");
    assertEquals(
        List.of("PUT /raw/job-1/a.png", "DELETE /raw/job-1/a.png"),
        s3Requests,
        "the object went before the failure was reported");
  }

  @Test
  void aJobKafkaTakesKeepsItsObject() throws Exception {
    CompletableFuture<JobRequest> submitted = submit("job-2");
    producer.completeNext();
    assertEquals("job-2", submitted.get(30, TimeUnit.SECONDS).jobId());
    assertEquals(List.of("PUT /raw/job-2/a.png"), s3Requests);
    assertEquals(1, producer.history().size());
  }

  @Test
  void aFileNameKeepsItsLettersInAnyScriptInTheKeyAndIsAsciiInTheMetadata() throws Exception {
    // such names used to become "______.jpg" in the key, and so in a ZIP of the cutouts
    CompletableFuture<JobRequest> submitted =
        submitter.submit("job-3", "日本語の写真.jpg", new byte[] {1}, "image/jpeg", null, Map.of());
    producer.completeNext();
    assertEquals("job-3/日本語の写真.jpg", submitted.get(30, TimeUnit.SECONDS).source().key());
    assertEquals(List.of("PUT /raw/job-3/日本語の写真.jpg"), s3Requests);
    assertEquals(List.of("______.jpg"), metadataNames, "S3 metadata travels in a header");

    assertEquals("c_d.jpg", JobSubmitter.safeName("a/b\\c d.jpg"));
    assertEquals("_evil.jpg", JobSubmitter.safeName("\u202Eevil.jpg"), "no bidi override");
    assertEquals("Ünïcödé-1.png", JobSubmitter.safeName("Ünïcödé-1.png"));
    // 305 chars; the last 200 would start with the second half of a pair
    String longName = "\uD840\uDC00".repeat(150) + "a.jpg";
    String kept = JobSubmitter.safeName(longName);
    assertFalse(Character.isLowSurrogate(kept.charAt(0)), "not half a character");
    assertEquals(199, kept.length());
  }

  private CompletableFuture<JobRequest> submit(String jobId) {
    return submitter.submit(jobId, "a.png", new byte[] {1, 2, 3}, "image/png", null, Map.of());
  }
}
