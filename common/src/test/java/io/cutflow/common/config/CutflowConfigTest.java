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
    assertEquals("over:1", all.getString(CutflowConfig.KAFKA_BOOTSTRAP_SERVERS));
    assertEquals(CutflowConfig.Source.OVERRIDE, all.sourceOf(CutflowConfig.KAFKA_BOOTSTRAP_SERVERS));

    CutflowConfig noOverride = CutflowConfig.of(Map.of(), sys, env);
    assertEquals("sys:2", noOverride.getString(CutflowConfig.KAFKA_BOOTSTRAP_SERVERS));
    assertEquals(CutflowConfig.Source.SYSTEM_PROPERTY, noOverride.sourceOf(CutflowConfig.KAFKA_BOOTSTRAP_SERVERS));

    CutflowConfig envOnly = CutflowConfig.of(Map.of(), Map.of(), env);
    assertEquals("env:3", envOnly.getString(CutflowConfig.KAFKA_BOOTSTRAP_SERVERS));
    assertEquals(CutflowConfig.Source.ENVIRONMENT, envOnly.sourceOf(CutflowConfig.KAFKA_BOOTSTRAP_SERVERS));

    CutflowConfig defaults = CutflowConfig.isolated(Map.of());
    assertEquals("localhost:9092", defaults.getString(CutflowConfig.KAFKA_BOOTSTRAP_SERVERS));
    assertEquals(CutflowConfig.Source.DEFAULT, defaults.sourceOf(CutflowConfig.KAFKA_BOOTSTRAP_SERVERS));

    CutflowConfig layered = defaults.withOverrides(Map.of(KEY, "a:1")).withOverrides(Map.of(KEY, "b:2"));
    assertEquals("b:2", layered.getString(CutflowConfig.KAFKA_BOOTSTRAP_SERVERS));
  }

  @Test
  void realSystemPropertiesAreConsulted() {
    String name = "cutflow.kafka.group-id";
    String before = System.getProperty(name);
    System.setProperty(name, "from-sysprop");
    try {
      assertEquals("from-sysprop", CutflowConfig.load().getString(CutflowConfig.KAFKA_GROUP_ID));
      assertEquals("from-override", CutflowConfig.load(Map.of(name, "from-override"))
          .getString(CutflowConfig.KAFKA_GROUP_ID));
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
    assertEquals("cutflow.jobs", c.getString(CutflowConfig.KAFKA_TOPIC_JOBS));
    assertEquals("cutflow.results", c.getString(CutflowConfig.KAFKA_TOPIC_RESULTS));
    assertEquals("cutflow.dead-letters", c.getString(CutflowConfig.KAFKA_TOPIC_DEAD_LETTERS));
    assertEquals(6, c.getInt(CutflowConfig.KAFKA_PARTITIONS));
    assertEquals((short) 1, c.getShort(CutflowConfig.KAFKA_REPLICATION_FACTOR));
    assertEquals("cutflow-workers", c.getString(CutflowConfig.KAFKA_GROUP_ID));
    assertEquals("http://localhost:9000", c.getString(CutflowConfig.S3_ENDPOINT));
    assertEquals("us-east-1", c.getString(CutflowConfig.S3_REGION));
    assertEquals("cutflow-raw", c.getString(CutflowConfig.BUCKET_RAW));
    assertEquals("cutflow-cutouts", c.getString(CutflowConfig.BUCKET_CUTOUTS));
    assertEquals(100_000_000L, c.getLong(CutflowConfig.IMAGE_MAX_PIXELS));
    assertTrue(c.getOptionalString(CutflowConfig.WORKER_ID).isEmpty());
    assertEquals(7, CutflowConfig.isolated(Map.of("cutflow.kafka.partitions", " 7 ")).getInt(CutflowConfig.KAFKA_PARTITIONS));
    assertEquals("CUTFLOW_S3_RETRY_MAX_BACKOFF_MS", CutflowConfig.S3_RETRY_MAX_BACKOFF_MS.envName());
  }

  @Test
  void parseErrorsNameTheKeyAndSource() {
    CutflowConfig c = CutflowConfig.of(Map.of(), Map.of(), Map.of("CUTFLOW_KAFKA_PARTITIONS", "six"));
    CutflowConfigException e = assertThrows(CutflowConfigException.class, () -> c.getInt(CutflowConfig.KAFKA_PARTITIONS));
    assertEquals("cutflow.kafka.partitions", e.key());
    assertTrue(e.getMessage().contains("cutflow.kafka.partitions"), e.getMessage());
    assertTrue(e.getMessage().contains("six"), e.getMessage());
    assertTrue(e.getMessage().contains("environment"), e.getMessage());

    CutflowConfig tooSmall = CutflowConfig.isolated(Map.of("cutflow.kafka.partitions", "0"));
    e = assertThrows(CutflowConfigException.class, () -> tooSmall.getInt(CutflowConfig.KAFKA_PARTITIONS));
    assertTrue(e.getMessage().contains("minimum"), e.getMessage());

    CutflowConfig bigShort = CutflowConfig.isolated(Map.of("cutflow.kafka.replication-factor", "70000"));
    e = assertThrows(CutflowConfigException.class, () -> bigShort.getShort(CutflowConfig.KAFKA_REPLICATION_FACTOR));
    assertEquals("cutflow.kafka.replication-factor", e.key());

    e = assertThrows(CutflowConfigException.class,
        () -> CutflowConfig.isolated(Map.of("cutflow.kafka.bootstrap-server", "typo:1")));
    assertEquals("cutflow.kafka.bootstrap-server", e.key());
  }

  @Test
  void everyKeyIsDocumentedAndUnique() {
    Set<String> envNames = new HashSet<>();
    for (CutflowConfig.Key key : CutflowConfig.keys()) {
      assertFalse(key.doc().isBlank(), key.name());
      assertTrue(key.name().startsWith("cutflow."), key.name());
      assertTrue(envNames.add(key.envName()), "two keys share env var " + key.envName());
    }
    String table = CutflowConfig.markdownTable();
    for (CutflowConfig.Key key : CutflowConfig.keys()) {
      assertTrue(table.contains("`" + key.name() + "`"), key.name());
    }
    assertTrue(table.startsWith("| setting"));
    assertEquals(CutflowConfig.keys().size() + 2, table.split("\n").length);
  }

  @Test
  void secretsAreMaskedInDescriptions() {
    CutflowConfig c = CutflowConfig.isolated(Map.of("cutflow.s3.secret-key", "s3cr3t-value"));
    assertFalse(c.toString().contains("s3cr3t-value"));
    assertEquals("s3cr3t-value", c.getPassword(CutflowConfig.S3_SECRET_KEY));
  }
}
