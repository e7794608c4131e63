package io.cutflow.standalone.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutflow.common.job.FailureCode;
import io.cutflow.common.job.JobCodec;
import io.cutflow.common.job.JobRequest;
import io.cutflow.common.job.JobResult;
import io.cutflow.ingest.ResultWatcher;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The launcher's and ingest server's result watcher against a real broker. */
class ResultWatcherTest {
  private static final String TOPIC = "results";

  /**
   * Its polls wait {@link ResultWatcher#POLL} (5 s): a result must still come through at once, and
   * closing must wake the poll rather than wait it out.
   */
  @Test
  void passesOnEachResultAsItComesAndClosesWithoutWaitingOutItsPoll() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      try (Admin admin =
          Admin.create(
              Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
        admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1))).all().get();
      }
      JobCodec codec = new JobCodec();
      BlockingQueue<JobResult> seen = new LinkedBlockingQueue<>();
      ResultWatcher watcher = new ResultWatcher(kafka.bootstrapServers(), TOPIC, codec, seen::add);
      try (KafkaProducer<String, String> producer = producer(kafka.bootstrapServers())) {
        for (String id : List.of("job-1", "job-2")) {
          producer.send(new ProducerRecord<>(TOPIC, id, codec.encode(failed(id)))).get();
          JobResult r = seen.poll(ResultWatcher.POLL.toMillis() / 2, TimeUnit.MILLISECONDS);
          assertNotNull(r, id + " did not come within half a poll");
          assertEquals(id, r.jobId());
        }
      } catch (Throwable t) {
        watcher.close(); // and report the first failure, not a slow close after it
        throw t;
      }
      long t0 = System.nanoTime();
      watcher.close();
      long closeMs = (System.nanoTime() - t0) / 1_000_000;
      // close() joins the watcher's thread, so this also says that the thread has ended
      assertTrue(
          closeMs < ResultWatcher.POLL.toMillis() / 2,
          "close took " + closeMs + " ms: it waited for the poll to end");
    }
  }

  private static JobResult failed(String id) {
    Instant at = Instant.now();
    JobRequest request =
        new JobRequest(
            JobRequest.SCHEMA,
            id,
            new JobRequest.Source("raw", id + "/a.jpg", "etag", 123L),
            null,
            null,
            at,
            Map.of());
    return JobResult.failed(
        request,
        FailureCode.NOT_AN_IMAGE,
        "not an image",
        null,
        "u2net",
        "w1",
        1,
        JobResult.Timings.NONE,
        at,
        at);
  }

  private static KafkaProducer<String, String> producer(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    return new KafkaProducer<>(p);
  }
}
