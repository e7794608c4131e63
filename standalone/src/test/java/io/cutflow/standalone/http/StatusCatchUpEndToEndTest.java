package io.cutflow.standalone.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.StorageConfig;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobRequest;
import io.cutflow.common.kafka.KafkaClients;
import io.cutflow.common.kafka.Topics;
import io.cutflow.ingest.http.IngestServer;
import io.cutflow.standalone.infra.EmbeddedStack;
import io.cutflow.standalone.infra.IngestHttp;
import io.cutflow.standalone.infra.IngestUnderTest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An ingest instance that starts while jobs it must answer for are still on the jobs topic (the
 * case of an instance taking over from one that accepted jobs and stopped): until its status store
 * has read them it answers {@code GET /v1/jobs/{id}} with a 503 and {@code Retry-After}, never a
 * 404 {@code unknown_job}; then "queued". Real broker and S3 server; the ingest server in this JVM,
 * no worker (the jobs stay queued).
 */
class StatusCatchUpEndToEndTest {
  private static final String KEY = "catch-up-secret";
  private static final int JOBS = 3_000;
  private static final Duration WAIT = Duration.ofSeconds(120);

  private final ObjectMapper json = new ObjectMapper();
  private final IngestHttp client = new IngestHttp(() -> this.server.url(), KEY);
  private EmbeddedStack stack;
  private IngestServer server;

  @BeforeEach
  void start() throws Exception {
    stack = EmbeddedStack.start(CutflowConfig.isolated(Map.of("cutflow.kafka.partitions", "4")));
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void jobsStillOnTheTopicAreAnsweredRetryNeverUnknown() throws Exception {
    List<String> ids = publishJobs();
    // the last jobs published are the last the store reads; a spread of the others besides
    Set<String> watched = new LinkedHashSet<>(ids.subList(JOBS - 20, JOBS));
    for (int i = 0; i < JOBS; i += 150) {
      watched.add(ids.get(i));
    }
    CutflowConfig config =
        IngestUnderTest.config(stack, "catch-up", Map.of("cutflow.ingest.api-key", KEY));
    server = IngestServer.start(config, 0, new MetricRegistry());

    Map<String, Integer> answers = new TreeMap<>();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!watched.isEmpty()) {
      if (System.nanoTime() > deadline) {
        fail(watched.size() + " jobs still not answered 'queued'; answers so far: " + answers);
      }
      for (String id : List.copyOf(watched)) {
        HttpResponse<String> r = client.getString("/v1/jobs/" + id, true);
        JsonNode body = json.readTree(r.body());
        answers.merge(r.statusCode() + " " + body.path("error").asText("ok"), 1, Integer::sum);
        switch (r.statusCode()) {
          case 200 -> {
            assertEquals("queued", body.get("status").asText(), r.body());
            watched.remove(id);
          }
          case 503 ->
              assertTrue(r.headers().firstValue("Retry-After").isPresent(), "no Retry-After");
          default -> fail("job " + id + " answered " + r.statusCode() + ": " + r.body());
        }
      }
    }
    System.out.println("answers while the store caught up: " + answers);
    // the path under test was taken: the store was running and had not read every job yet
    assertTrue(answers.containsKey("503 rebalancing"), "never caught the store catching up");
  }

  private List<String> publishJobs() throws Exception {
    CutflowConfig config = stack.config();
    Topics topics = new Topics(config);
    JobCodec codec = new JobCodec();
    String raw = config.getString(StorageConfig.BUCKET_RAW);
    List<String> ids = new ArrayList<>();
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(KafkaClients.producerProperties(config, "catch-up-test"))) {
      for (int i = 0; i < JOBS; i++) {
        String id = "catch-up-" + i;
        JobRequest request =
            JobRequest.of(id, new JobRequest.Source(raw, id + ".png", "etag", 100L), Instant.now());
        producer.send(new ProducerRecord<>(topics.jobs(), id, codec.encode(request)));
        ids.add(id);
      }
      producer.flush();
    }
    return ids;
  }
}
