package io.cutflow.common.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parsing and validation of the {@code sam} model's prompt ({@link CutoutOptions#SAM_PROMPT}), kept
 * out of {@link CutoutOptions} so the option table stays readable.
 *
 * <p>rembg's form ({@code sessions/sam.py}, {@code -x/--extras} and the server's {@code extras}):
 * the CLI and HTTP give a JSON object {@code {"sam_prompt": [mark, …]}}; a job's {@code options}
 * holds the array itself under {@code sam_prompt}. A mark is {@code {"type": "point", "data": [x,
 * y], "label": 1}} (1 foreground, 0 background) or {@code {"type": "rectangle", "data": [x1, y1,
 * x2, y2]}}, in the image's pixels. The value is the marks as plain lists and maps (what the JSON
 * writer needs), in the key order {@code type}, {@code data}, {@code label}.
 */
public final class SamPromptOption {
  /** The one key of rembg's extras Cutflow reads. */
  public static final String EXTRAS_KEY = "sam_prompt";

  static final String EXAMPLE =
      "{\"sam_prompt\": [{\"type\": \"point\", \"data\": [x, y], \"label\": 1}]}";

  private static final ObjectMapper JSON = new ObjectMapper();

  private SamPromptOption() {}

  /**
   * rembg's extras text (CLI {@code -x}, HTTP {@code extras}): a JSON object; blank or without
   * {@code sam_prompt} = no prompt.
   */
  static List<Map<String, Object>> parseExtras(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    JsonNode root = read(text);
    if (!root.isObject()) {
      throw new IllegalArgumentException("expected a JSON object such as " + EXAMPLE);
    }
    for (Iterator<String> keys = root.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      if (key.equals("cc") || key.equals("cloth_category")) {
        throw new IllegalArgumentException(
            "\""
                + key
                + "\" in extras: give it as its own option (-cc, cc=, options.cloth_category)");
      }
      if (!EXTRAS_KEY.equals(key)) {
        // rembg's other extras pick other weights (sam_model, sam_quant) or a local file
        // (model_path); Cutflow's models come from the manifest, so say so instead of dropping it
        throw new IllegalArgumentException(
            "Cutflow reads only \"sam_prompt\" from extras, got \""
                + key
                + "\" (models and their files come from `cutflow models list`)");
      }
    }
    JsonNode marks = root.get(EXTRAS_KEY);
    return marks == null || marks.isNull() ? null : marks(marks);
  }

  /**
   * A value bound from a job's JSON (the array of marks), or the same array as text.
   *
   * @throws IllegalArgumentException naming the mark and what is wrong with it
   */
  public static List<Map<String, Object>> check(Object value) {
    JsonNode node = value instanceof String s ? read(s) : JSON.valueToTree(value);
    return marks(node);
  }

  private static JsonNode read(String text) {
    try {
      JsonNode node = JSON.readTree(text);
      if (node == null) {
        throw new IllegalArgumentException("empty; expected " + EXAMPLE);
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "not JSON (" + e.getOriginalMessage() + "); expected " + EXAMPLE, e);
    }
  }

  /** Validates an array of marks; errors name the mark ({@code sam_prompt[1]}) and its shape. */
  private static List<Map<String, Object>> marks(JsonNode root) {
    if (!root.isArray() || root.isEmpty()) {
      throw new IllegalArgumentException(
          "sam_prompt must be a JSON array of at least one mark, e.g."
              + " [{\"type\":\"point\",\"data\":[x,y],\"label\":1}]");
    }
    List<Map<String, Object>> out = new ArrayList<>();
    int i = 0;
    for (JsonNode mark : root) {
      String where = "sam_prompt[" + i++ + "]";
      if (!mark.isObject()) {
        throw new IllegalArgumentException(where + ": a mark must be a JSON object");
      }
      String type = mark.path("type").asText("");
      List<Number> data = numbers(mark.path("data"), where);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("type", type);
      m.put("data", data);
      switch (type) {
        case "point" -> {
          JsonNode label = mark.path("label");
          if (data.size() != 2 || !label.isInt() || label.asInt() < 0 || label.asInt() > 1) {
            throw new IllegalArgumentException(
                where
                    + ": a point needs \"data\": [x, y] and \"label\": 1 (foreground) or 0"
                    + " (background)");
          }
          m.put("label", label.asInt());
        }
        case "rectangle" -> {
          if (data.size() != 4) {
            throw new IllegalArgumentException(
                where + ": a rectangle needs \"data\": [x1, y1, x2, y2]");
          }
        }
        default ->
            throw new IllegalArgumentException(
                where + ": \"type\" must be \"point\" or \"rectangle\", got '" + type + "'");
      }
      out.add(java.util.Collections.unmodifiableMap(m));
    }
    return List.copyOf(out);
  }

  private static List<Number> numbers(JsonNode data, String where) {
    if (!data.isArray()) {
      throw new IllegalArgumentException(where + ": \"data\" must be an array of numbers");
    }
    List<Number> v = new ArrayList<>();
    for (JsonNode n : data) {
      if (!n.isNumber() || !Double.isFinite(n.asDouble())) {
        throw new IllegalArgumentException(where + ": \"data\" must be an array of numbers");
      }
      v.add(n.numberValue());
    }
    return List.copyOf(v);
  }

  /** Why a prompted model's job without a prompt fails, naming every way to give one. */
  public static String missingPrompt(String model) {
    return "model '"
        + model
        + "' needs a prompt: -x/--extras (CLI), extras (HTTP) or options.sam_prompt (job), e.g. "
        + EXAMPLE;
  }
}
