package io.cutflow.worker.inference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;

/**
 * rembg's {@code sam_prompt}: a JSON array of marks, {@code
 * {"type":"point","data":[x,y],"label":1}} (label 1 foreground, 0 background) or {@code
 * {"type":"rectangle","data":[x1,y1,x2,y2]}} (a box, which SAM takes as its two corners labelled 2
 * and 3), in the image's pixels. Without a prompt rembg puts one foreground point at the image's
 * centre ({@link #centre}).
 *
 * @param points x, y per point, in image pixels
 * @param labels SAM's label per point
 */
public record SamPrompt(List<double[]> points, List<Integer> labels) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public SamPrompt {
    points = List.copyOf(points);
    labels = List.copyOf(labels);
    if (points.isEmpty() || points.size() != labels.size()) {
      throw new IllegalArgumentException("a SAM prompt needs at least one point or rectangle");
    }
  }

  /** rembg's default: one foreground point at {@code (int(w/2), int(h/2))}. */
  public static SamPrompt centre(int width, int height) {
    return new SamPrompt(List.<double[]>of(new double[] {width / 2, height / 2}), List.of(1));
  }

  /**
   * Parses rembg's JSON form.
   *
   * @throws IllegalArgumentException naming the mark and what is wrong with it
   */
  public static SamPrompt parse(String json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "sam_prompt is not JSON (" + e.getOriginalMessage() + ")", e);
    }
    if (root == null || !root.isArray()) {
      throw new IllegalArgumentException(
          "sam_prompt must be a JSON array of marks, e.g."
              + " [{\"type\":\"point\",\"data\":[x,y],\"label\":1}]");
    }
    List<double[]> points = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    int i = 0;
    for (JsonNode mark : root) {
      String where = "sam_prompt[" + i++ + "]";
      String type = mark.path("type").asText("");
      double[] data = numbers(mark.path("data"), where);
      switch (type) {
        case "point" -> {
          JsonNode label = mark.path("label");
          if (data.length != 2 || !label.isInt()) {
            throw new IllegalArgumentException(
                where + ": a point needs \"data\": [x, y] and an integer \"label\" (1 or 0)");
          }
          points.add(data);
          labels.add(label.asInt());
        }
        case "rectangle" -> {
          if (data.length != 4) {
            throw new IllegalArgumentException(
                where + ": a rectangle needs \"data\": [x1, y1, x2, y2]");
          }
          points.add(new double[] {data[0], data[1]});
          points.add(new double[] {data[2], data[3]});
          labels.add(2);
          labels.add(3);
        }
        default ->
            throw new IllegalArgumentException(
                where + ": \"type\" must be \"point\" or \"rectangle\", got '" + type + "'");
      }
    }
    return new SamPrompt(points, labels);
  }

  private static double[] numbers(JsonNode data, String where) {
    if (!data.isArray()) {
      throw new IllegalArgumentException(where + ": \"data\" must be an array of numbers");
    }
    double[] v = new double[data.size()];
    for (int i = 0; i < v.length; i++) {
      if (!data.get(i).isNumber()) {
        throw new IllegalArgumentException(where + ": \"data\" must be an array of numbers");
      }
      v[i] = data.get(i).asDouble();
    }
    return v;
  }
}
