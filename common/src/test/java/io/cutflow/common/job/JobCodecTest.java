package io.cutflow.common.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobCodecTest {
  private final JobCodec codec = new JobCodec();

  private static final String MINIMAL =
      """
      {"schema":"cutflow.job-request/v1","job_id":"img-42",
       "source":{"bucket":"cutflow-raw","key":"photos/cat.jpg"},
       "submitted_at":"2025-01-31T12:00:00Z"}""";

  @Test
  void requestRoundTripKeepsEveryField() throws Exception {
    JobRequest req =
        new JobRequest(
            JobRequest.SCHEMA,
            "job-1",
            new JobRequest.Source("cutflow-raw", "a/b.jpg", "abc123", 1234L),
            new JobRequest.Output("out-bucket", "x/y.png"),
            CutoutOptions.builder()
                .set(CutoutOptions.MODEL, "isnet-general-use")
                .set(CutoutOptions.ONLY_MASK, true)
                .set(CutoutOptions.POST_PROCESS_MASK, true)
                .set(CutoutOptions.BGCOLOR, List.of(255, 0, 10, 128))
                .build(),
            Instant.parse("2025-02-03T04:05:06.789Z"),
            Map.of("tenant", "t1", "trace", "abc"));
    String json = codec.encode(req);
    assertEquals(List.of(), codec.validateRequest(json), json);
    JsonNode tree = codec.mapper().readTree(json);
    assertEquals("cutflow.job-request/v1", tree.get("schema").asText());
    assertEquals("job-1", tree.get("job_id").asText());
    assertTrue(tree.get("options").get("only_mask").asBoolean());
    assertTrue(tree.get("options").has("post_process_mask"));
    assertEquals("2025-02-03T04:05:06.789Z", tree.get("submitted_at").asText());
    assertEquals(req, codec.decodeRequest(json));
  }

  @Test
  void minimalRequestGetsDefaults() throws Exception {
    JobRequest req = codec.decodeRequest(MINIMAL);
    assertEquals("img-42", req.jobId());
    assertEquals(CutoutOptions.DEFAULTS, req.options());
    assertFalse(req.options().onlyMask());
    assertNull(req.output());
    assertEquals(Map.of(), req.attributes());
    assertNull(req.source().etag());
    assertEquals(Instant.parse("2025-01-31T12:00:00Z"), req.submittedAt());
  }

  @Test
  void resultRoundTrip() throws Exception {
    JobRequest req = codec.decodeRequest(MINIMAL);
    JobResult ok =
        JobResult.ok(
            req,
            new JobResult.StoredObject("cutflow-cutouts", "img-42.png", 999),
            new JobResult.Image(640, 480),
            "isnet-general-use",
            "w-1",
            1,
            new JobResult.Timings(1, 2, 3, 4, 5, 6, 7, 28),
            Instant.parse("2025-01-31T12:00:01Z"),
            Instant.parse("2025-01-31T12:00:02Z"));
    String json = codec.encode(ok);
    assertEquals(List.of(), codec.validateResult(json), json);
    JsonNode tree = codec.mapper().readTree(json);
    assertEquals("ok", tree.get("status").asText());
    assertEquals(999, tree.get("output").get("size_bytes").asLong());
    assertEquals(4, tree.get("timings_ms").get("inference").asLong());
    assertFalse(tree.has("failure"));
    assertEquals(ok, codec.decodeResult(json));

    JobResult failed =
        JobResult.failed(
            req,
            FailureCode.NOT_AN_IMAGE,
            "no decoder",
            null,
            null,
            "w-1",
            2,
            null,
            Instant.now(),
            Instant.now());
    String fjson = codec.encode(failed);
    assertEquals(
        "not_an_image", codec.mapper().readTree(fjson).get("failure").get("code").asText());
    assertEquals(failed, codec.decodeResult(fjson));
  }

  @Test
  void failedResultWithoutFailureIsRejected() {
    String json =
        """
        {"schema":"cutflow.job-result/v1","job_id":"j","status":"failed","worker_id":"w",
         "timings_ms":{},"finished_at":"2025-01-31T12:00:00Z"}""";
    InvalidJobException e = assertThrows(InvalidJobException.class, () -> codec.decodeResult(json));
    assertTrue(e.getMessage().contains("failure"), e.getMessage());
  }

  @Test
  void missingJobIdIsSchemaViolationNamingTheField() {
    String json = MINIMAL.replace("\"job_id\":\"img-42\",", "");
    InvalidJobException e =
        assertThrows(InvalidJobException.class, () -> codec.decodeRequest(json));
    assertEquals("schema_violation", e.code());
    assertEquals(FailureCode.SCHEMA_VIOLATION, e.failureCode());
    assertTrue(e.getMessage().contains("job_id"), e.getMessage());
    assertEquals(1, e.violations().size(), e.violations().toString());
  }

  @Test
  void badJsonIsMalformed() {
    for (String bad : new String[] {"{\"job_id\": ", "not json", "", "{} trailing", "\u0000"}) {
      InvalidJobException e =
          assertThrows(InvalidJobException.class, () -> codec.decodeRequest(bad), bad);
      assertEquals("malformed_json", e.code(), bad);
      assertTrue(e.failureCode().isPermanent());
    }
    InvalidJobException e =
        assertThrows(InvalidJobException.class, () -> codec.decodeRequest((byte[]) null));
    assertEquals("malformed_json", e.code());
  }

  @Test
  void unknownFieldsAreAccepted() throws Exception {
    String json =
        MINIMAL
            .replace("{\"schema\"", "{\"priority\":7,\"future\":{\"nested\":[1,2]},\"schema\"")
            .replace(
                "\"key\":\"photos/cat.jpg\"", "\"key\":\"photos/cat.jpg\",\"version_id\":\"v9\"");
    JobRequest req = codec.decodeRequest(json);
    assertEquals("photos/cat.jpg", req.source().key());
  }

  @Test
  void wrongSchemaVersionIsRejected() {
    String json = MINIMAL.replace("cutflow.job-request/v1", "cutflow.job-request/v2");
    InvalidJobException e =
        assertThrows(InvalidJobException.class, () -> codec.decodeRequest(json));
    assertEquals("schema_violation", e.code());
    assertTrue(e.getMessage().contains("schema"), e.getMessage());
  }

  @Test
  void badTimestampAndTypesAreRejected() {
    String badTime = MINIMAL.replace("2025-01-31T12:00:00Z", "yesterday");
    InvalidJobException e =
        assertThrows(InvalidJobException.class, () -> codec.decodeRequest(badTime));
    assertTrue(e.getMessage().contains("submitted_at"), e.getMessage());

    String badType = MINIMAL.replace("\"job_id\":\"img-42\"", "\"job_id\":42");
    e = assertThrows(InvalidJobException.class, () -> codec.decodeRequest(badType));
    assertTrue(e.getMessage().contains("job_id"), e.getMessage());

    String traversal = MINIMAL.replace("\"job_id\":\"img-42\"", "\"job_id\":\"../etc/passwd\"");
    e = assertThrows(InvalidJobException.class, () -> codec.decodeRequest(traversal));
    assertTrue(e.getMessage().contains("job_id"), e.getMessage());
  }

  @Test
  void keysWithDotSegmentsAreSchemaViolationsBeforeAnyWork() throws Exception {
    // "../../etc/x.png" as the output key used to pass, run the model, then fail storage_failed
    for (String key : new String[] {"../../etc/x.png", "a/./b.png", "a/..", "."}) {
      String out =
          MINIMAL.replace(
              "\"submitted_at\"",
              "\"output\":{\"bucket\":\"cutflow-cutouts\",\"key\":\""
                  + key
                  + "\"},\"submitted_at\"");
      InvalidJobException e =
          assertThrows(InvalidJobException.class, () -> codec.decodeRequest(out), key);
      assertEquals("schema_violation", e.code(), key);
      assertTrue(
          e.getMessage().contains("$.output.key: has a '.' or '..' path segment"), e.getMessage());
      String src = MINIMAL.replace("photos/cat.jpg", key);
      e = assertThrows(InvalidJobException.class, () -> codec.decodeRequest(src), key);
      assertTrue(e.getMessage().contains("source.key"), e.getMessage());
    }
    // a key starting with '/' (either) or ending with one (the output): refused by S3 servers
    String leading = MINIMAL.replace("photos/cat.jpg", "/photos/cat.jpg");
    InvalidJobException lead =
        assertThrows(InvalidJobException.class, () -> codec.decodeRequest(leading));
    assertEquals(
        List.of(
            "$.source.key: starts with '/', which S3 servers refuse; name the object without it"),
        lead.violations());
    String folder =
        MINIMAL.replace(
            "\"submitted_at\"",
            "\"output\":{\"bucket\":\"b-1\",\"key\":\"out/\"},\"submitted_at\"");
    InvalidJobException dir =
        assertThrows(InvalidJobException.class, () -> codec.decodeRequest(folder));
    assertEquals(
        List.of(
            "$.output.key: ends with '/', a folder rather than an object; end it with a file name"),
        dir.violations());
    // dots inside a segment, hidden files and empty segments are ordinary keys
    for (String key : new String[] {"a/b..png", "a/.hidden.jpg", "..a/b.jpg", "a//b.jpg"}) {
      assertEquals(key, codec.decodeRequest(MINIMAL.replace("photos/cat.jpg", key)).source().key());
    }
  }

  @Test
  void clothCategoryIsOneOfThreeOnTheWire() throws Exception {
    String ok =
        MINIMAL.replace(
            "\"submitted_at\"", "\"options\":{\"cloth_category\":\"lower\"},\"submitted_at\"");
    assertEquals("lower", codec.decodeRequest(ok).options().clothCategory());
    String bad = ok.replace("\"lower\"", "\"shoes\"");
    InvalidJobException e = assertThrows(InvalidJobException.class, () -> codec.decodeRequest(bad));
    assertEquals("schema_violation", e.code());
    assertTrue(e.getMessage().contains("cloth_category"), e.getMessage());
  }

  @Test
  void bgcolorOutOfRangeIsRejected() throws Exception {
    String ok =
        MINIMAL.replace(
            "\"submitted_at\"", "\"options\":{\"bgcolor\":[0,128,255,255]},\"submitted_at\"");
    assertEquals(List.of(0, 128, 255, 255), codec.decodeRequest(ok).options().bgcolor());

    for (String bg :
        new String[] {"[0,128,256,255]", "[-1,0,0,0]", "[0,0,0]", "[0,0,0,0,0]", "[0,0,0,\"x\"]"}) {
      String bad =
          MINIMAL.replace(
              "\"submitted_at\"", "\"options\":{\"bgcolor\":" + bg + "},\"submitted_at\"");
      InvalidJobException e =
          assertThrows(InvalidJobException.class, () -> codec.decodeRequest(bad), bg);
      assertEquals("schema_violation", e.code(), bg);
      assertTrue(e.getMessage().contains("bgcolor"), e.getMessage());
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> CutoutOptions.DEFAULTS.with(CutoutOptions.BGCOLOR, List.of(0, 0, 300, 0)));
  }

  @Test
  void outputKeyDerivationIsDeterministic() throws Exception {
    JobRequest a = codec.decodeRequest(MINIMAL);
    JobRequest b = codec.decodeRequest(MINIMAL);
    assertEquals(
        new JobRequest.Output("cutflow-cutouts", "img-42.png"),
        a.resolvedOutput("cutflow-cutouts"));
    assertEquals(a.resolvedOutput("cutflow-cutouts"), b.resolvedOutput("cutflow-cutouts"));

    JobRequest explicit = a.withOutput(new JobRequest.Output("elsewhere", "k.png"));
    assertEquals(
        new JobRequest.Output("elsewhere", "k.png"), explicit.resolvedOutput("cutflow-cutouts"));
    assertEquals(explicit, codec.decodeRequest(codec.encode(explicit)));
  }

  @Test
  void deadLetterRoundTrip() throws Exception {
    DeadLetter dl =
        DeadLetter.of(
            "not json",
            "k1",
            "cutflow.jobs",
            3,
            42L,
            null,
            FailureCode.MALFORMED_JSON,
            "not JSON: Unrecognized token",
            "w-7",
            Instant.parse("2025-01-31T12:00:00Z"));
    String json = codec.encode(dl);
    JsonNode tree = codec.mapper().readTree(json);
    assertEquals("malformed_json", tree.get("reason").asText());
    assertEquals("cutflow.dead-letter/v1", tree.get("schema").asText());
    assertEquals(42, tree.get("offset").asLong());
    assertEquals(dl, codec.decodeDeadLetter(json));
  }

  @Test
  void aDeadLetterOfARecordNearKafkasLimitStillFitsInOne() throws Exception {
    // 600,000 quotes and a 300,000-character key: copied whole and escaped again, 1.2 MB+
    String value = "\"".repeat(600_000);
    String key = "k".repeat(300_000);
    DeadLetter dl =
        DeadLetter.of(
            value,
            key,
            "cutflow.jobs",
            0,
            7L,
            null,
            FailureCode.MALFORMED_JSON,
            "m".repeat(50_000),
            "w-1",
            Instant.parse("2025-01-31T12:00:00Z"));
    String json = codec.encode(dl);
    assertTrue(json.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 1_000_000);
    DeadLetter back = codec.decodeDeadLetter(json);
    assertEquals(value.substring(0, DeadLetter.MAX_VALUE_CHARS), back.value());
    assertEquals(600_000, back.valueLength());
    assertEquals(key.substring(0, DeadLetter.MAX_KEY_CHARS), back.key());
    assertEquals(300_000, back.keyLength());
    assertEquals(DeadLetter.MAX_MESSAGE_CHARS, back.message().length());
    // never half of a character outside the Basic Multilingual Plane
    String emoji = "\ud83d\ude00".repeat(DeadLetter.MAX_VALUE_CHARS);
    String kept =
        DeadLetter.of(emoji, null, "t", 0, 0, null, FailureCode.MALFORMED_JSON, "", "w", null)
            .value();
    assertFalse(Character.isHighSurrogate(kept.charAt(kept.length() - 1)));
    // a failed result's message is cut alike
    assertEquals(
        DeadLetter.MAX_MESSAGE_CHARS,
        new JobResult.Failure(FailureCode.MALFORMED_JSON, "m".repeat(50_000)).message().length());
  }

  @Test
  void theReadmesExampleJobIsAValidJob() throws Exception {
    String readme = java.nio.file.Files.readString(java.nio.file.Path.of("..", "README.md"));
    int at = readme.indexOf("A job, as any Kafka producer may publish it");
    int from = readme.indexOf("```json", at) + "```json".length();
    String example = readme.substring(from, readme.indexOf("```", from));
    JobRequest job = codec.decodeRequest(example);
    assertEquals("isnet-general-use-fp16", job.options().model());
  }

  @Test
  void aFieldGivenTwiceIsRefusedNotTakenFromTheLastOne() {
    String twice =
        """
        {"schema": "cutflow.job-request/v1", "job_id": "first", "job_id": "second",
         "submitted_at": "2026-11-24T12:00:00Z", "source": {"bucket": "raw", "key": "a.jpg"}}""";
    InvalidJobException e =
        assertThrows(InvalidJobException.class, () -> codec.decodeRequest(twice));
    assertEquals("malformed_json", e.code());
    assertTrue(e.getMessage().contains("Duplicate field 'job_id'"), e.getMessage());
  }

  @Test
  void jobIdLimitIsTheSchemas() throws Exception {
    JsonNode schema =
        codec.mapper().readTree(getClass().getResourceAsStream(JobCodec.REQUEST_SCHEMA_RESOURCE));
    assertEquals(
        JobRequest.MAX_JOB_ID_CHARS,
        schema.get("properties").get("job_id").get("maxLength").asInt());
  }

  @Test
  void aJobWithAnUnpairedSurrogateOrWritingOverItsSourceIsRefused() {
    String surrogate =
        """
        {"schema": "cutflow.job-request/v1", "job_id": "a\\ud800b", "submitted_at": "2026-11-24T12:00:00Z",
         "source": {"bucket": "raw", "key": "a.jpg"}}""";
    InvalidJobException e =
        assertThrows(InvalidJobException.class, () -> codec.decodeRequest(surrogate));
    assertEquals("schema_violation", e.code());
    assertTrue(
        e.getMessage().contains("job_id holds an unpaired UTF-16 surrogate (\\ud800)"),
        e.getMessage());
    String sourceKey = surrogate.replace("a\\ud800b", "ok").replace("a.jpg", "x\\udc00.jpg");
    assertTrue(
        assertThrows(InvalidJobException.class, () -> codec.decodeRequest(sourceKey))
            .getMessage()
            .contains("source.key holds an unpaired"));
    String overwrite =
        """
        {"schema": "cutflow.job-request/v1", "job_id": "j1", "submitted_at": "2026-11-24T12:00:00Z",
         "source": {"bucket": "raw", "key": "a.jpg"}, "output": {"bucket": "raw", "key": "a.jpg"}}""";
    InvalidJobException o =
        assertThrows(InvalidJobException.class, () -> codec.decodeRequest(overwrite));
    assertEquals("schema_violation", o.code());
    assertTrue(o.getMessage().contains("output is the source object raw/a.jpg"), o.getMessage());
  }

  @Test
  void failureCodes() throws Exception {
    // The result schema's enum and the Java enum must list the same codes.
    JsonNode schema =
        codec.mapper().readTree(getClass().getResourceAsStream(JobCodec.RESULT_SCHEMA_RESOURCE));
    java.util.Set<String> inSchema = new java.util.TreeSet<>();
    schema
        .findValues("enum")
        .forEach(
            e ->
                e.forEach(
                    v -> {
                      if (FailureCode.fromCode(v.asText()).isPresent()
                          || v.asText().contains("_")) {
                        inSchema.add(v.asText());
                      }
                    }));
    java.util.Set<String> inJava = new java.util.TreeSet<>();
    for (FailureCode c : FailureCode.values()) {
      inJava.add(c.code());
    }
    assertEquals(inJava, inSchema);
    assertEquals(FailureCode.OBJECT_MISSING, FailureCode.ofCode("object_missing"));
    assertTrue(FailureCode.NOT_AN_IMAGE.isPermanent());
    assertFalse(FailureCode.STORAGE_FAILED.isPermanent());
    assertFalse(FailureCode.INFERENCE_FAILED.isPermanent());
    assertTrue(FailureCode.fromCode("nope").isEmpty());
  }
}
