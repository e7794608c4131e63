package io.cutflow.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CutflowConfigTest {
  private static final String KEY = "cutflow.kafka.bootstrap-servers";
  private static final String ENV = "CUTFLOW_KAFKA_BOOTSTRAP_SERVERS";

  @Test
  void precedenceOverrideThenSyspropThenEnvThenDefault() {
    Map<String, String> over = Map.of(KEY, "over:1");
    Map<String, String> sys = Map.of(KEY, "sys:2");
    Map<String, String> env = Map.of(ENV, "env:3");

    CutflowConfig all = CutflowConfig.of(over, sys, env);
    assertEquals("over:1", all.getString(KafkaConfig.BOOTSTRAP_SERVERS));
    assertEquals(CutflowConfig.Source.OVERRIDE, all.sourceOf(KafkaConfig.BOOTSTRAP_SERVERS));

    CutflowConfig noOverride = CutflowConfig.of(Map.of(), sys, env);
    assertEquals("sys:2", noOverride.getString(KafkaConfig.BOOTSTRAP_SERVERS));
    assertEquals(
        CutflowConfig.Source.SYSTEM_PROPERTY, noOverride.sourceOf(KafkaConfig.BOOTSTRAP_SERVERS));

    CutflowConfig envOnly = CutflowConfig.of(Map.of(), Map.of(), env);
    assertEquals("env:3", envOnly.getString(KafkaConfig.BOOTSTRAP_SERVERS));
    assertEquals(CutflowConfig.Source.ENVIRONMENT, envOnly.sourceOf(KafkaConfig.BOOTSTRAP_SERVERS));

    CutflowConfig defaults = CutflowConfig.isolated(Map.of());
    assertEquals("localhost:9092", defaults.getString(KafkaConfig.BOOTSTRAP_SERVERS));
    assertEquals(CutflowConfig.Source.DEFAULT, defaults.sourceOf(KafkaConfig.BOOTSTRAP_SERVERS));

    CutflowConfig layered =
        defaults.withOverrides(Map.of(KEY, "a:1")).withOverrides(Map.of(KEY, "b:2"));
    assertEquals("b:2", layered.getString(KafkaConfig.BOOTSTRAP_SERVERS));
  }

  @Test
  void realSystemPropertiesAreConsulted() {
    String name = "cutflow.kafka.group-id";
    String before = System.getProperty(name);
    System.setProperty(name, "from-sysprop");
    try {
      assertEquals("from-sysprop", CutflowConfig.load().getString(KafkaConfig.GROUP_ID));
      assertEquals(
          "from-override",
          CutflowConfig.load(Map.of(name, "from-override")).getString(KafkaConfig.GROUP_ID));
    } finally {
      if (before == null) {
        System.clearProperty(name);
      } else {
        System.setProperty(name, before);
      }
    }
  }

  @Test
  void defaultsAndTypes() {
    CutflowConfig c = CutflowConfig.isolated(Map.of());
    assertEquals("cutflow.jobs", c.getString(KafkaConfig.TOPIC_JOBS));
    assertEquals("cutflow.results", c.getString(KafkaConfig.TOPIC_RESULTS));
    assertEquals("cutflow.dead-letters", c.getString(KafkaConfig.TOPIC_DEAD_LETTERS));
    assertEquals(6, c.getInt(KafkaConfig.PARTITIONS));
    assertEquals((short) 1, c.getShort(KafkaConfig.REPLICATION_FACTOR));
    assertEquals("cutflow-workers", c.getString(KafkaConfig.GROUP_ID));
    assertEquals("http://localhost:9000", c.getString(StorageConfig.S3_ENDPOINT));
    assertEquals("us-east-1", c.getString(StorageConfig.S3_REGION));
    assertEquals("cutflow-raw", c.getString(StorageConfig.BUCKET_RAW));
    assertEquals("cutflow-cutouts", c.getString(StorageConfig.BUCKET_CUTOUTS));
    assertEquals(
        7,
        CutflowConfig.isolated(Map.of("cutflow.kafka.partitions", " 7 "))
            .getInt(KafkaConfig.PARTITIONS));
    assertEquals(
        "CUTFLOW_S3_RETRY_MAX_BACKOFF_MS", StorageConfig.S3_RETRY_MAX_BACKOFF_MS.envName());
  }

  @Test
  void parseErrorsNameTheKeyAndSource() {
    CutflowConfig c =
        CutflowConfig.of(Map.of(), Map.of(), Map.of("CUTFLOW_KAFKA_PARTITIONS", "six"));
    CutflowConfigException e =
        assertThrows(CutflowConfigException.class, () -> c.getInt(KafkaConfig.PARTITIONS));
    assertEquals("cutflow.kafka.partitions", e.key());
    assertTrue(e.getMessage().contains("cutflow.kafka.partitions"), e.getMessage());
    assertTrue(e.getMessage().contains("six"), e.getMessage());
    assertTrue(e.getMessage().contains("environment"), e.getMessage());

    CutflowConfig tooSmall = CutflowConfig.isolated(Map.of("cutflow.kafka.partitions", "0"));
    e = assertThrows(CutflowConfigException.class, () -> tooSmall.getInt(KafkaConfig.PARTITIONS));
    assertTrue(e.getMessage().contains("minimum"), e.getMessage());

    CutflowConfig bigShort =
        CutflowConfig.isolated(Map.of("cutflow.kafka.replication-factor", "70000"));
    e =
        assertThrows(
            CutflowConfigException.class, () -> bigShort.getShort(KafkaConfig.REPLICATION_FACTOR));
    assertEquals("cutflow.kafka.replication-factor", e.key());

    e =
        assertThrows(
            CutflowConfigException.class,
            () -> CutflowConfig.isolated(Map.of("cutflow.kafka.bootstrap-server", "typo:1")));
    assertEquals("cutflow.kafka.bootstrap-server", e.key());
  }

  @Test
  void everyKeyIsDocumentedAndUnique() {
    Set<String> envNames = new HashSet<>();
    for (ConfigKey key : CutflowConfig.keys()) {
      assertFalse(key.doc().isBlank(), key.name());
      assertTrue(key.name().startsWith("cutflow."), key.name());
      assertTrue(envNames.add(key.envName()), "two keys share env var " + key.envName());
    }
    String table = CutflowConfig.markdownTable();
    for (ConfigKey key : CutflowConfig.keys()) {
      assertTrue(table.contains("`" + key.name() + "`"), key.name());
    }
    assertTrue(table.startsWith("| setting"));
    assertEquals(CutflowConfig.keys().size() + 2, table.split("\n").length);
  }

  @Test
  void secretsAreMaskedInDescriptions() {
    CutflowConfig c = CutflowConfig.isolated(Map.of("cutflow.s3.secret-key", "s3cr3t-value"));
    assertFalse(c.toString().contains("s3cr3t-value"));
    assertEquals("s3cr3t-value", c.getPassword(StorageConfig.S3_SECRET_KEY));
  }
}
