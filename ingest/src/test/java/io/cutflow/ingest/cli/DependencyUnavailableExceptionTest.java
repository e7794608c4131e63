package io.cutflow.ingest.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.store.ObjectStoreException;
import io.cutflow.common.store.ObjectStoreUnavailableException;
import java.util.Map;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

class DependencyUnavailableExceptionTest {
  private static final CutflowConfig CONFIG =
      CutflowConfig.isolated(
          Map.of(
              "cutflow.kafka.bootstrap-servers", "kafka-1:9092",
              "cutflow.s3.endpoint", "http://minio:9000"));

  private static String failure(RuntimeException e) {
    return assertThrows(
            DependencyUnavailableException.class,
            () ->
                DependencyUnavailableException.connecting(
                    CONFIG,
                    () -> {
                      throw e;
                    }))
        .getMessage();
  }

  @Test
  void aDependencyThatDidNotAnswerIsNamedWithItsAddressAndTheFix() {
    assertEquals(
        "Kafka at kafka-1:9092 does not answer (cannot create topics [jobs]: timed out). Fix:"
            + " start it, or set cutflow.kafka.bootstrap-servers"
            + " (CUTFLOW_KAFKA_BOOTSTRAP_SERVERS) to where it runs",
        failure(
            new IllegalStateException(
                "cannot create topics [jobs]: timed out", new TimeoutException("listTopics"))));
    assertEquals(
        "the object store at http://minio:9000 does not answer (bucketExists failed after 5"
            + " attempt(s)). Fix: start it, or set cutflow.s3.endpoint (CUTFLOW_S3_ENDPOINT) to"
            + " where it runs",
        failure(
            new ObjectStoreUnavailableException(
                "bucketExists failed after 5 attempt(s)", new java.io.IOException("refused"))));
  }

  @Test
  void bootstrapServersWhoseNamesDoNotResolveAreNamedWithTheFix() {
    // what the Kafka clients throw as they are made (Admin.create, new KafkaProducer)
    assertEquals(
        "Kafka at kafka-1:9092 cannot be found: none of its host names resolves (No resolvable"
            + " bootstrap urls given in bootstrap.servers). Fix: check the names in"
            + " cutflow.kafka.bootstrap-servers (CUTFLOW_KAFKA_BOOTSTRAP_SERVERS)",
        failure(
            new KafkaException(
                "Failed to create new KafkaAdminClient",
                new ConfigException("No resolvable bootstrap urls given in bootstrap.servers"))));
  }

  @Test
  void aRefusalOrAnyOtherFailureComesOutAsItWas() {
    for (RuntimeException e :
        new RuntimeException[] {
          new IllegalStateException("denied", new TopicAuthorizationException("jobs")),
          new ObjectStoreException("bucket 'raw': access denied", null),
          new IllegalArgumentException("bucket 'x' does not exist")
        }) {
      assertSame(
          e,
          assertThrows(
              RuntimeException.class,
              () ->
                  DependencyUnavailableException.connecting(
                      CONFIG,
                      () -> {
                        throw e;
                      })));
    }
    assertEquals("ok", DependencyUnavailableException.connecting(CONFIG, () -> "ok"));
  }
}
