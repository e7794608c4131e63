package io.cutflow.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ValidatorsTest {
  @Test
  void hostPortLists() {
    Validator v = Validators.hostPortList();
    assertNull(v.problem("localhost:9092"));
    assertNull(v.problem("a.example:9092, b-2:9093,[::1]:9094"));
    assertNotNull(v.problem("localhost"));
    assertNotNull(v.problem("localhost:"));
    assertNotNull(v.problem("host:70000"));
    assertNotNull(v.problem("a:1,,b:2"));
  }

  @Test
  void urlsBucketsKafkaNamesRanges() {
    assertNull(Validators.httpUrl().problem("https://s3.example:9000"));
    assertNotNull(Validators.httpUrl().problem("s3.example:9000"));
    assertNotNull(Validators.httpUrl().problem("ftp://host"));
    assertNull(Validators.bucketName().problem("cutflow-raw"));
    assertNotNull(Validators.bucketName().problem("Cutflow_Raw"));
    assertNotNull(Validators.bucketName().problem("ab"));
    assertNull(Validators.kafkaName().problem("cutflow.jobs"));
    assertNotNull(Validators.kafkaName().problem("jobs topic"));
    assertNull(Validators.between(0, 19).problem(19));
    assertEquals("is outside 0..19", Validators.between(0, 19).problem(20));
    assertEquals("is below the minimum 1", Validators.atLeast(1).problem(0L));
    assertNull(Validators.emptyOr(Validators.kafkaName()).problem(""));
    assertNotNull(Validators.emptyOr(Validators.kafkaName()).problem("a b"));
  }

  @Test
  void validateReportsEveryBadKeyAtOnce() {
    CutflowConfig c =
        CutflowConfig.of(
            Map.of("cutflow.kafka.bootstrap-servers", "no-port"),
            Map.of("cutflow.s3.endpoint", "minio:9000"),
            Map.of("CUTFLOW_BUCKET_RAW", "Bad_Bucket"));
    CutflowConfigException e = assertThrows(CutflowConfigException.class, c::validate);
    assertEquals("cutflow.kafka.bootstrap-servers", e.key());
    String m = e.getMessage();
    assertTrue(m.contains("cutflow.kafka.bootstrap-servers: value 'no-port' from an override"), m);
    assertTrue(m.contains("cutflow.s3.endpoint: value 'minio:9000' from the system property"), m);
    assertTrue(m.contains("(allowed: http(s) URL)"), m);
    assertTrue(
        m.contains(
            "cutflow.bucket.raw: value 'Bad_Bucket' from the environment (CUTFLOW_BUCKET_RAW)"),
        m);
    CutflowConfig defaults = CutflowConfig.isolated(Map.of());
    assertEquals(defaults, defaults.validate(), "every default is allowed");
  }

  @Test
  void secretsAreNotEchoedInErrors() {
    CutflowConfig c = CutflowConfig.isolated(Map.of("cutflow.s3.secret-key", " "));
    CutflowConfigException e = assertThrows(CutflowConfigException.class, c::validate);
    assertTrue(e.getMessage().contains("(secret)"), e.getMessage());
  }
}
