package io.cutflow.common.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * JSON codec for the wire contracts ({@link JobRequest}, {@link JobResult}, {@link DeadLetter}).
 *
 * <p>Naming: snake_case everywhere ({@code job_id}, {@code timings_ms}, {@code size_bytes}). Null
 * fields are omitted. Timestamps are ISO-8601 strings. Unknown fields are ignored when decoding
 * (forward compatibility); the {@code schema} field pins the major version.
 *
 * <p>Decoding validates against the JSON Schema ({@code schemas/*.v1.schema.json}, draft 2020-12,
 * with {@code format} asserted) before binding, so every rejection carries all violations, each
 * naming its JSON path. Thread-safe; create one and share it.
 */
public final class JobCodec {
  public static final String REQUEST_SCHEMA_RESOURCE = "/schemas/job-request.v1.schema.json";
  public static final String RESULT_SCHEMA_RESOURCE = "/schemas/job-result.v1.schema.json";

  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

  private final ObjectMapper mapper;
  private final JsonSchema requestSchema;
  private final JsonSchema resultSchema;

  public JobCodec() {
    this.mapper = newMapper();
    JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    SchemaValidatorsConfig config =
        SchemaValidatorsConfig.builder()
            .formatAssertionsEnabled(true)
            .pathType(com.networknt.schema.PathType.JSON_PATH)
            .build();
    this.requestSchema = load(factory, config, REQUEST_SCHEMA_RESOURCE);
    this.resultSchema = load(factory, config, RESULT_SCHEMA_RESOURCE);
  }

  /**
   * The ObjectMapper configuration of the wire format, for callers that bind other snake_case JSON.
   */
  public static ObjectMapper newMapper() {
    return JsonMapper.builder()
        .addModule(new JavaTimeModule())
        .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .serializationInclusion(JsonInclude.Include.NON_NULL)
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        // a record naming job_id (or anything) twice is ambiguous: refused, not last-one-wins
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build();
  }

  public ObjectMapper mapper() {
    return mapper;
  }

  // ---- requests ----

  /** Parses and validates a job request. */
  public JobRequest decodeRequest(String json) throws InvalidJobException {
    return decode(json, requestSchema, JobRequest.class, "job request");
  }

  public JobRequest decodeRequest(byte[] json) throws InvalidJobException {
    if (json == null) {
      throw new InvalidJobException(
          FailureCode.MALFORMED_JSON, "record value is null", List.of(), null);
    }
    return decodeRequest(new String(json, StandardCharsets.UTF_8));
  }

  public String encode(JobRequest request) {
    return write(request);
  }

  // ---- results ----

  /** Parses and validates a job result. */
  public JobResult decodeResult(String json) throws InvalidJobException {
    return decode(json, resultSchema, JobResult.class, "job result");
  }

  public String encode(JobResult result) {
    return write(result);
  }

  // ---- dead letters ----

  public String encode(DeadLetter deadLetter) {
    return write(deadLetter);
  }

  /**
   * Parses a dead letter (no schema file: dead letters are for operators, not a public contract).
   */
  public DeadLetter decodeDeadLetter(String json) throws InvalidJobException {
    try {
      return mapper.readValue(json, DeadLetter.class);
    } catch (JsonProcessingException e) {
      throw new InvalidJobException(
          FailureCode.MALFORMED_JSON, "not a dead letter: " + e.getOriginalMessage(), List.of(), e);
    }
  }

  // ---- validation only ----

  /**
   * Violations of the request schema (empty when valid); for tests and producers checking their
   * output.
   */
  public List<String> validateRequest(String json) throws InvalidJobException {
    return violations(requestSchema, parse(json));
  }

  public List<String> validateResult(String json) throws InvalidJobException {
    return violations(resultSchema, parse(json));
  }

  // ---- internals ----

  private <T> T decode(String json, JsonSchema schema, Class<T> type, String what)
      throws InvalidJobException {
    JsonNode node = parse(json);
    List<String> violations = violations(schema, node);
    if (schema == requestSchema) {
      violations = withOptionErrors(node, violations);
    }
    if (!violations.isEmpty()) {
      throw new InvalidJobException(
          FailureCode.SCHEMA_VIOLATION,
          "invalid " + what + ": " + String.join("; ", violations),
          violations,
          null);
    }
    try {
      return mapper.treeToValue(node, type);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      // the schema accepted it but binding did not (e.g. a constraint only the records check)
      String msg =
          e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
      throw new InvalidJobException(
          FailureCode.SCHEMA_VIOLATION, "invalid " + what + ": " + msg, List.of(msg), e);
    }
  }

  /**
   * A bad option value is reported by {@link CutoutOptions} (the message the CLI and HTTP give too)
   * instead of the schema validator's wording for the same value.
   */
  private List<String> withOptionErrors(JsonNode node, List<String> violations) {
    JsonNode options = node.get("options");
    if (options == null || !options.isObject()) {
      return violations;
    }
    try {
      CutoutOptions.fromJson(mapper.convertValue(options, MAP));
      return violations;
    } catch (InvalidOptionException e) {
      List<String> merged = new ArrayList<>();
      String path = "$.options." + e.option();
      violations.stream()
          .filter(v -> !(v.startsWith(path + "[") || v.startsWith(path + ":")))
          .forEach(merged::add);
      merged.add("options." + e.getMessage());
      return merged;
    }
  }

  private JsonNode parse(String json) throws InvalidJobException {
    if (json == null || json.isBlank()) {
      throw new InvalidJobException(
          FailureCode.MALFORMED_JSON, "empty record value", List.of(), null);
    }
    try {
      JsonNode node = mapper.readTree(json);
      if (node == null || node.isMissingNode()) {
        throw new InvalidJobException(
            FailureCode.MALFORMED_JSON, "empty record value", List.of(), null);
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new InvalidJobException(
          FailureCode.MALFORMED_JSON, "not JSON: " + e.getOriginalMessage(), List.of(), e);
    }
  }

  private static List<String> violations(JsonSchema schema, JsonNode node) {
    Set<ValidationMessage> messages = schema.validate(node);
    return messages.stream().map(m -> readable(m, node)).distinct().sorted().toList();
  }

  /** The validator's words, but a pattern's meaning instead of the pattern itself. */
  private static String readable(ValidationMessage m, JsonNode root) {
    String where = m.getInstanceLocation().toString();
    if ("pattern".equals(m.getType())) {
      if (where.endsWith(".key")) {
        String key = root.at(where.substring(1).replace('.', '/')).asText("");
        if (key.startsWith("/")) {
          return where + ": starts with '/', which S3 servers refuse; name the object without it";
        }
        if (key.endsWith("/")) {
          return where + ": ends with '/', a folder rather than an object; end it with a file name";
        }
        return where
            + ": has a '.' or '..' path segment, which S3 clients refuse; name the object without"
            + " one";
      }
      if (where.equals("$.job_id")) {
        return where
            + ": may not start with '/' nor contain '..' or control characters (it becomes part"
            + " of the default output key)";
      }
    }
    return m.getMessage();
  }

  private String write(Object value) {
    try {
      return mapper.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
    }
  }

  private static JsonSchema load(
      JsonSchemaFactory factory, SchemaValidatorsConfig config, String resource) {
    try (InputStream in = JobCodec.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("schema resource missing from the classpath: " + resource);
      }
      return factory.getSchema(in, config);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
