package io.cutflow.ingest.bucket;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON of S3 event notifications, both ways. Reads MinIO's Kafka-target shape ({@code
 * {"EventName", "Key", "Records": [...]}}) and AWS's ({@code {"Records": [...]}}); a message
 * without {@code Records} (AWS's {@code s3:TestEvent}) holds no events. Writes MinIO's shape, which
 * is what {@code cutflow watch} publishes, so the bridge has one input format.
 */
public final class BucketEventFormat {
  private static final ObjectMapper MAPPER = JsonMapper.builder().build();

  private BucketEventFormat() {}

  /**
   * The records of one message, keys URL-decoded. Every record must name its event, bucket and key;
   * otherwise the whole message is refused (MinIO and AWS never mix good and bad records).
   */
  public static List<BucketEvent> parse(String json) throws InvalidBucketEventException {
    if (json == null) {
      throw new InvalidBucketEventException("empty record (no value)", null, true);
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new InvalidBucketEventException(
          "not JSON: " + e.getOriginalMessage() + " at " + e.getLocation(), e, true);
    }
    if (root == null || !root.isObject()) {
      throw new InvalidBucketEventException("not a JSON object");
    }
    JsonNode records = root.get("Records");
    if (records == null || records.isNull()) {
      return List.of(); // e.g. AWS's s3:TestEvent when a notification is configured
    }
    if (!records.isArray()) {
      throw new InvalidBucketEventException("'Records' is not an array");
    }
    List<BucketEvent> events = new ArrayList<>();
    for (int i = 0; i < records.size(); i++) {
      events.add(record(records.get(i), "Records[" + i + "]"));
    }
    return events;
  }

  private static BucketEvent record(JsonNode r, String where) throws InvalidBucketEventException {
    String eventName = text(r, "eventName", where);
    if (!eventName.startsWith("s3:")) {
      eventName = "s3:" + eventName; // AWS: "ObjectCreated:Put"; MinIO: "s3:ObjectCreated:Put"
    }
    JsonNode s3 = r.path("s3");
    String bucket = text(s3.path("bucket"), "name", where + ".s3.bucket");
    JsonNode object = s3.path("object");
    String rawKey = text(object, "key", where + ".s3.object");
    String key;
    try {
      key = URLDecoder.decode(rawKey, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new InvalidBucketEventException(
          where + ".s3.object.key '" + rawKey + "' is not URL-encoded: " + e.getMessage(),
          e,
          false);
    }
    if (key.isEmpty()) {
      throw new InvalidBucketEventException(where + ".s3.object.key is empty");
    }
    JsonNode size = object.get("size");
    if (size != null && !size.isNull() && !size.canConvertToLong()) {
      throw new InvalidBucketEventException(where + ".s3.object.size is not a number: " + size);
    }
    Map<String, String> meta = new LinkedHashMap<>();
    object
        .path("userMetadata")
        .fields()
        .forEachRemaining(e -> meta.put(e.getKey(), e.getValue().asText()));
    return new BucketEvent(
        eventName,
        bucket,
        key,
        size == null || size.isNull() ? null : size.asLong(),
        unquote(optional(object, "eTag")),
        optional(object, "sequencer"),
        optional(r, "eventTime"),
        meta);
  }

  /** MinIO's shape with one record, key URL-encoded the way S3 senders encode it. */
  public static String format(BucketEvent event) {
    ObjectNode object = MAPPER.createObjectNode();
    object.put("key", URLEncoder.encode(event.key(), StandardCharsets.UTF_8));
    if (event.size() != null) {
      object.put("size", event.size());
    }
    if (event.eTag() != null) {
      object.put("eTag", event.eTag());
    }
    if (event.sequencer() != null) {
      object.put("sequencer", event.sequencer());
    }
    ObjectNode record = MAPPER.createObjectNode();
    record.put("eventVersion", "2.0");
    record.put("eventSource", "cutflow:watch");
    if (event.eventTime() != null) {
      record.put("eventTime", event.eventTime());
    }
    record.put("eventName", event.eventName());
    ObjectNode s3 = record.putObject("s3");
    s3.putObject("bucket").put("name", event.bucket());
    s3.set("object", object);
    ObjectNode root = MAPPER.createObjectNode();
    root.put("EventName", event.eventName());
    root.put("Key", event.recordKey());
    ArrayNode records = root.putArray("Records");
    records.add(record);
    return root.toString();
  }

  private static String text(JsonNode node, String field, String where)
      throws InvalidBucketEventException {
    JsonNode v = node.get(field);
    if (v == null || !v.isTextual() || v.asText().isEmpty()) {
      throw new InvalidBucketEventException(where + "." + field + " is missing or not a string");
    }
    return v.asText();
  }

  private static String optional(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() || v.asText().isEmpty() ? null : v.asText();
  }

  private static String unquote(String eTag) {
    if (eTag != null && eTag.length() >= 2 && eTag.startsWith("\"") && eTag.endsWith("\"")) {
      return eTag.substring(1, eTag.length() - 1);
    }
    return eTag;
  }
}
